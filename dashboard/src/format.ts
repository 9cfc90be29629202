/** Number and text formatting shared by the views, so the same value reads the same everywhere. */
import { format } from 'd3';

export const count = format(',d');
export const percent = format('.1%');
export const decimal3 = format('.3f');

/** A probability as the page shows it: whole percent with one decimal, e.g. "70.0%". */
export function probabilityText(p: number): string {
  return percent(p);
}

export function dateText(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })} (${iso})`;
}

/** Creates an element with optional class and text: keeps view code short and free of innerHTML. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, value);
  if (text !== undefined) element.textContent = text;
  return element;
}
