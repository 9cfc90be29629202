/**
 * The At risk view: the latest round's users least likely to come back, least likely
 * first, with the reasons in words; search by user id, filter by industry and region, and
 * download what is shown as CSV. The list names users, so it may sit behind a sign-in: a
 * refused read asks the reader to sign in instead of showing an error.
 */
import type { AtRiskDocument, AtRiskUser } from './documents.ts';
import type { LoadedProtected } from './data.ts';
import { count, dateText, el, probabilityText } from './format.ts';
import { emptyState, errorState, NO_AT_RISK_ADVICE, signInState } from './states.ts';
import { reasonText } from './reason-words.ts';
import { atRiskCsv } from './at-risk-csv.ts';

export interface AtRiskView {
  update(loaded: LoadedProtected<AtRiskDocument>): void;
}

interface Filters {
  search: string;
  industry: string;
  region: string;
}

function shown(users: readonly AtRiskUser[], f: Filters): AtRiskUser[] {
  const term = f.search.trim();
  return users.filter(
    (u) =>
      (term === '' || String(u.userId).includes(term)) &&
      (f.industry === '' || u.industry === f.industry) &&
      (f.region === '' || u.region === f.region),
  );
}

function choice(name: keyof Filters, label: string, all: string, values: readonly string[], f: Filters) {
  const box = el('label', { class: 'filter' }, `${label} `);
  const select = el('select', { 'data-filter': name });
  select.append(el('option', { value: '' }, all));
  for (const v of values) select.append(el('option', { value: v }, v));
  select.value = values.includes(f[name]) ? f[name] : '';
  f[name] = select.value;
  box.append(select);
  return { box, select };
}

const distinct = (users: readonly AtRiskUser[], key: 'industry' | 'region') =>
  [...new Set(users.map((u) => u[key]).filter((v): v is string => v !== undefined))].sort();

function row(u: AtRiskUser): HTMLTableRowElement {
  const tr = el('tr', { 'data-user-id': String(u.userId), 'data-probability': String(u.probability) });
  const why = el('td', { class: 'reasons' });
  if (u.reasons?.length) {
    const list = el('ul');
    for (const r of u.reasons) list.append(el('li', {}, reasonText(r)));
    why.append(list);
  } else why.append(el('span', { class: 'muted' }, 'no reasons given'));
  tr.append(
    el('th', { scope: 'row' }, String(u.userId)),
    el('td', { class: 'number' }, probabilityText(u.probability)),
    why,
    el('td', {}, u.industry ?? '\u2014'),
    el('td', {}, u.region ?? '\u2014'),
  );
  return tr;
}

function download(doc: AtRiskDocument, users: readonly AtRiskUser[]): void {
  const url = URL.createObjectURL(new Blob([atRiskCsv(users)], { type: 'text/csv;charset=utf-8' }));
  const link = el('a', { href: url, download: `at-risk-round-${doc.round}.csv` });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function drawAtRisk(panel: HTMLElement, doc: AtRiskDocument, f: Filters): void {
  if (doc.users.length === 0) {
    panel.replaceChildren(emptyState(`No users at risk in round ${doc.round} yet.`, NO_AT_RISK_ADVICE));
    return;
  }
  const summary = el('p', { class: 'headline', 'data-testid': 'at-risk-summary' });
  summary.textContent =
    `Round ${doc.round}: the ${count(doc.users.length)} users least likely to come back, of ` +
    `${count(doc.scored)} scored (at most ${count(doc.limit)} listed; model ${doc.modelVersion ?? 'unknown'}; ` +
    `updated ${dateText(doc.updatedAt)}).`;
  const controls = el('form', { class: 'controls at-risk-filters', role: 'search' });
  controls.addEventListener('submit', (event) => event.preventDefault());
  const searchBox = el('label', { class: 'filter' }, 'User id ');
  const search = el('input', { type: 'search', 'data-filter': 'search', inputmode: 'numeric', autocomplete: 'off' });
  search.value = f.search;
  searchBox.append(search);
  const industry = choice('industry', 'Industry', 'All industries', distinct(doc.users, 'industry'), f);
  const region = choice('region', 'Region', 'All regions', distinct(doc.users, 'region'), f);
  const csv = el('button', { type: 'button', 'data-action': 'download-csv' });
  controls.append(searchBox, industry.box, region.box, csv);

  const status = el('p', { 'data-testid': 'at-risk-count', 'aria-live': 'polite' });
  const table = el('table', { class: 'at-risk-table' });
  table.append(el('caption', {}, 'Least likely to come back first; reasons are what moved the probability most.'));
  const head = el('tr');
  for (const name of ['user', 'chance of coming back', 'why (strongest reasons)', 'industry', 'region'])
    head.append(el('th', { scope: 'col' }, name));
  const body = el('tbody');
  table.append(el('thead'), body);
  table.tHead?.append(head);

  let visible: AtRiskUser[] = [];
  function render(): void {
    f.search = search.value;
    f.industry = industry.select.value;
    f.region = region.select.value;
    visible = shown(doc.users, f);
    body.replaceChildren(...visible.map(row));
    status.textContent = `Showing ${count(visible.length)} of ${count(doc.users.length)} users.`;
    csv.textContent = `Download CSV (${count(visible.length)} users)`;
    csv.disabled = visible.length === 0;
  }
  search.addEventListener('input', render);
  industry.select.addEventListener('change', render);
  region.select.addEventListener('change', render);
  csv.addEventListener('click', () => download(doc, visible));
  render();
  panel.replaceChildren(summary, controls, status, table);
}

export function createAtRiskView(panel: HTMLElement): AtRiskView {
  let shownText: string | undefined;
  // Kept across refreshes: a new round's list keeps the reader's search and filters.
  const filters: Filters = { search: '', industry: '', region: '' };
  return {
    update(loaded) {
      if (loaded.state === 'ok') {
        if (loaded.text === shownText) return; // unchanged: leave the reader's table alone
        shownText = loaded.text;
        drawAtRisk(panel, loaded.doc, filters);
        return;
      }
      shownText = undefined;
      panel.replaceChildren(
        loaded.state === 'sign-in'
          ? signInState()
          : loaded.state === 'missing'
            ? emptyState('No at-risk list yet.', NO_AT_RISK_ADVICE)
            : errorState(loaded.message),
      );
    },
  };
}
