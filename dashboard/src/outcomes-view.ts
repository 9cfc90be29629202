/**
 * The Outcomes view: were last week's predictions right? Week by week, the realized AUC of the
 * predictions against who came back, with the training gate's floor drawn across; a week below
 * it is flagged in the chart and the table. The table also holds users scored, expected
 * (sum of probabilities) against actual retained, and the model version(s) that scored them.
 */
import { axisBottom, axisLeft, line, scaleLinear, select } from 'd3';
import type { OutcomesDocument, WeekOutcome } from './documents.ts';
import { redrawWhenChanged, type Loaded } from './data.ts';
import { count, decimal3, el } from './format.ts';
import { axisTitles } from './axis-titles.ts';
import { emptyState, errorState, NO_OUTCOMES_ADVICE } from './states.ts';

export interface OutcomesView {
  update(loaded: Loaded<OutcomesDocument>): void;
}

const WIDTH = 900;
const HEIGHT = 300;
const MARGIN = { top: 16, right: 96, bottom: 44, left: 64 };

const aucText = (w: WeekOutcome) => (w.realizedAuc === null ? 'n/a (one class only)' : decimal3(w.realizedAuc));
const versionsText = (w: WeekOutcome) => w.modelVersions.map((v) => `${v.version} (${count(v.users)})`).join(', ');

function headline(doc: OutcomesDocument, weeks: readonly WeekOutcome[]): HTMLElement {
  const last = weeks.at(-1);
  const below = weeks.filter((w) => w.belowFloor);
  const p = el('p', { class: 'headline', 'data-testid': 'outcomes-summary' });
  p.textContent =
    last === undefined
      ? ''
      : `Week ${last.week}: ${count(last.usersScored)} users scored, ${last.expectedRetained.toFixed(1)} expected back, ` +
        `${count(last.actualRetained)} came back in week ${last.outcomeWeek}; realized AUC ${aucText(last)} ` +
        `(gate floor ${decimal3(doc.floor)}). ` +
        (below.length === 0
          ? `No week below the floor.`
          : `${below.length} week(s) below the floor: ${below.map((w) => w.week).join(', ')}.`);
  return p;
}

function chart(doc: OutcomesDocument, weeks: readonly WeekOutcome[]): SVGSVGElement {
  const first = weeks[0]?.week ?? 0;
  const last = weeks.at(-1)?.week ?? first;
  const x = scaleLinear()
    .domain([first - 0.5, last + 0.5])
    .range([MARGIN.left, WIDTH - MARGIN.right]);
  const low = Math.min(0.4, doc.floor - 0.05, ...weeks.map((w) => w.realizedAuc ?? 1));
  const y = scaleLinear()
    .domain([Math.max(0, low), 1])
    .range([HEIGHT - MARGIN.bottom, MARGIN.top]);
  const judged = weeks.filter((w) => w.realizedAuc !== null);
  const svg = select(document.createElementNS('http://www.w3.org/2000/svg', 'svg'))
    .attr('class', 'outcomes-chart')
    .attr('viewBox', `0 0 ${WIDTH} ${HEIGHT}`)
    .attr('role', 'img')
    .attr(
      'aria-label',
      `Realized AUC by predicted week against the gate floor ${decimal3(doc.floor)}: ` +
        judged.map((w) => `week ${w.week} ${aucText(w)}${w.belowFloor ? ' below the floor' : ''}`).join('; '),
    );
  svg
    .append('g')
    .attr('transform', `translate(0,${HEIGHT - MARGIN.bottom})`)
    .call(
      axisBottom(x)
        .tickValues(weeks.map((w) => w.week))
        .tickFormat((v) => String(v)),
    );
  svg.append('g').attr('transform', `translate(${MARGIN.left},0)`).call(axisLeft(y).ticks(6, '.2f'));
  axisTitles(svg, { width: WIDTH, height: HEIGHT, margin: MARGIN }, { bottom: 'predicted week', left: 'realized AUC' });
  const floor = svg.append('g').attr('class', 'floor').attr('data-floor', doc.floor);
  floor
    .append('line')
    .attr('x1', MARGIN.left)
    .attr('x2', WIDTH - MARGIN.right)
    .attr('y1', y(doc.floor))
    .attr('y2', y(doc.floor));
  floor
    .append('text')
    .attr('x', WIDTH - MARGIN.right + 6)
    .attr('y', y(doc.floor) + 4)
    .text(`gate floor ${decimal3(doc.floor)}`);
  svg
    .append('path')
    .attr('class', 'series series-auc')
    .attr(
      'd',
      line<WeekOutcome>()
        .x((w) => x(w.week))
        .y((w) => y(w.realizedAuc ?? 0))(judged) ?? '',
    );
  svg
    .append('g')
    .attr('class', 'points points-auc')
    .selectAll('circle')
    .data(judged)
    .join('circle')
    .attr('r', 5)
    .attr('cx', (w) => x(w.week))
    .attr('cy', (w) => y(w.realizedAuc ?? 0))
    .attr('class', (w) => (w.belowFloor ? 'below-floor' : 'above-floor'))
    .attr('data-week', (w) => w.week)
    .attr('data-value', (w) => w.realizedAuc ?? '')
    .append('title')
    .text((w) => `week ${w.week}: realized AUC ${aucText(w)}${w.belowFloor ? ' — below the floor' : ''}`);
  return svg.node()!;
}

function table(weeks: readonly WeekOutcome[]): HTMLElement {
  const t = el('table', { class: 'outcomes-table', 'data-testid': 'outcomes-table' });
  const head = el('tr');
  for (const name of [
    'week',
    'users scored',
    'expected retained',
    'actual retained',
    'realized AUC',
    'model version(s)',
  ])
    head.append(el('th', { scope: 'col' }, name));
  t.append(head);
  for (const w of weeks) {
    const row = el('tr', { 'data-week': String(w.week), ...(w.belowFloor ? { class: 'below-floor' } : {}) });
    row.append(
      el('th', { scope: 'row' }, `${w.week} → ${w.outcomeWeek}`),
      el('td', {}, count(w.usersScored)),
      el('td', {}, w.expectedRetained.toFixed(1)),
      el('td', {}, count(w.actualRetained)),
      el('td', {}, w.belowFloor ? `${aucText(w)} ✗ below the floor` : aucText(w)),
      el('td', {}, versionsText(w)),
    );
    t.append(row);
  }
  return t;
}

function drawOutcomes(panel: HTMLElement, doc: OutcomesDocument): void {
  const weeks = [...doc.weeks].sort((a, b) => a.week - b.week);
  if (weeks.length === 0) {
    panel.replaceChildren(emptyState('No week judged yet.', NO_OUTCOMES_ADVICE));
    return;
  }
  panel.replaceChildren(headline(doc, weeks), chart(doc, weeks), table(weeks));
}

export function createOutcomesView(panel: HTMLElement): OutcomesView {
  const update = redrawWhenChanged<OutcomesDocument>(
    (doc) => drawOutcomes(panel, doc),
    (other) =>
      panel.replaceChildren(
        other.state === 'missing' ? emptyState('No outcomes yet.', NO_OUTCOMES_ADVICE) : errorState(other.message),
      ),
  );
  return { update };
}
