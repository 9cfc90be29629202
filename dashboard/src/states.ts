/** The messages a view shows instead of a chart: nothing published yet, or an unreadable document. */
import { SIGN_IN_PATH } from '#dashboard/protected-documents.ts';
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

/**
 * Shown instead of a document that names users when the reader is not signed in: a link to
 * sign in (Cognito's sign-in page in AWS; locally the page says to open the address npm start printed).
 */
export function signInState(title = 'Sign in to see users at risk'): HTMLElement {
  const box = el('div', { class: 'state state-sign-in', role: 'status', 'data-state': 'sign-in' });
  const advice = el('p');
  advice.append(
    el('a', { href: SIGN_IN_PATH }, 'Sign in'),
    ' \u2014 this list names users, so it is shown only to signed-in people. ',
    'Running locally? Open the dashboard address npm start printed (the one with ?token=\u2026).',
  );
  box.append(el('p', { class: 'state-title' }, title), advice);
  return box;
}

export const NO_OUTCOMES_ADVICE =
  'A week is judged once the week after it is extracted: its predictions are compared with who came back.';
export const NO_AT_RISK_ADVICE =
  'Each prediction round lists here the users least likely to come back, as soon as its first results are counted.';
