/**
 * Renders a JSON value whose exact shape the contract leaves open (params, sources,
 * dataStats) as readable nested lists, instead of guessing field names.
 */
import { el } from './format.ts';

/** Nesting shown open; deeper objects (e.g. whole extraction manifests) fold into <details>. */
const OPEN_DEPTH = 3;

export function jsonView(value: unknown, depth = 0): HTMLElement {
  if (value === null || value === undefined) return el('span', { class: 'muted' }, '—');
  if (typeof value === 'object' && depth >= OPEN_DEPTH) {
    const size = Array.isArray(value) ? `${value.length} entries` : `${Object.keys(value).length} fields`;
    const details = el('details');
    details.append(el('summary', {}, size), jsonView(value, -Infinity));
    return details;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return el('span', { class: 'muted' }, 'none');
    if (value.every((v) => typeof v !== 'object' || v === null)) {
      const list = el('ul', { class: 'plain' });
      for (const v of value) list.append(el('li', {}, String(v)));
      return list;
    }
    const list = el('ol', { class: 'plain' });
    for (const v of value) {
      const item = el('li');
      item.append(jsonView(v, depth + 1));
      list.append(item);
    }
    return list;
  }
  if (typeof value === 'object') {
    const list = el('dl', { class: 'pairs' });
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const dd = el('dd');
      dd.append(jsonView(v, depth + 1));
      list.append(el('dt', {}, key), dd);
    }
    return list;
  }
  return el('span', {}, typeof value === 'number' ? numberText(value) : String(value));
}

function numberText(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en') : String(Number(n.toPrecision(4)));
}

/** Short one-line text for a small object, e.g. candidate params: "trees 50, maxDepth 8". */
export function inlineText(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value ?? '');
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(', ');
}
