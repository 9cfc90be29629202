/**
 * A floating details box for charts, shown on hover and on keyboard focus alike; the
 * element it describes points at it with aria-describedby while it is visible.
 */
import { el } from './format.ts';

export interface Tooltip {
  show(anchor: Element, rows: [string, string][]): void;
  hide(): void;
  readonly element: HTMLElement;
}

let tooltips = 0;

export function createTooltip(container: HTMLElement): Tooltip {
  const element = el('div', { class: 'tooltip', role: 'tooltip', id: `tooltip-${tooltips++}`, hidden: '' });
  container.append(element);
  let current: Element | undefined;
  return {
    element,
    show(anchor, rows) {
      current?.removeAttribute('aria-describedby');
      current = anchor;
      const list = el('dl');
      for (const [name, value] of rows) list.append(el('dt', {}, name), el('dd', {}, value));
      element.replaceChildren(list);
      element.hidden = false;
      anchor.setAttribute('aria-describedby', element.id);
      const box = anchor.getBoundingClientRect();
      const host = container.getBoundingClientRect();
      const left = Math.min(box.right - host.left + 8, host.width - element.offsetWidth - 4);
      element.style.left = `${Math.max(0, left)}px`;
      element.style.top = `${Math.max(0, box.top - host.top)}px`;
    },
    hide() {
      current?.removeAttribute('aria-describedby');
      current = undefined;
      element.hidden = true;
    },
  };
}
