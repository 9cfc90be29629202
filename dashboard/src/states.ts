/** The messages a view shows instead of a chart: nothing published yet, or an unreadable document. */
import { el } from './format.ts';

export function emptyState(title: string, advice: string): HTMLElement {
  const box = el('div', { class: 'state state-empty', role: 'status', 'data-state': 'empty' });
  box.append(el('p', { class: 'state-title' }, title), el('p', {}, advice));
  return box;
}

export function errorState(message: string): HTMLElement {
  const box = el('div', { class: 'state state-error', role: 'alert', 'data-state': 'error' });
  box.append(el('p', { class: 'state-title' }, 'This document could not be drawn'), el('p', {}, message));
  return box;
}

export const NO_MODEL_ADVICE =
  'Upload two weeks of logs (npm start does it with demo data); the training flow then publishes the forest and its model card here.';
export const NO_TRENDS_ADVICE =
  'Once a model is published, send users\u2019 features to the prediction stream; each scored round appears here within seconds.';
