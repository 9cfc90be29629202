/**
 * The Trends view: per prediction round, users scored, users predicted retained (probability
 * at least 0.5: the original pair of curves), users expected to return (the sum of the
 * probabilities: the count above 0.5 overstates retention, and the forest is calibrated, see
 * the model card) and the predicted-retained share on its own axis. Lines differ by dash
 * pattern as well as colour; hovering or using the arrow keys on the chart reads out one
 * round; the same numbers are available as a table. Round labels are whole numbers.
 */
import { axisBottom, axisLeft, axisRight, bisector, format, line, max, scaleLinear, select } from 'd3';
import type { TrendRound, TrendsDocument } from './documents.ts';
import type { Loaded } from './data.ts';
import { count, dateText, el, percent } from './format.ts';
import { axisTitles } from './axis-titles.ts';
import { createTooltip } from './tooltip.ts';
import { emptyState, errorState, NO_TRENDS_ADVICE } from './states.ts';

export interface TrendsView {
  update(loaded: Loaded<TrendsDocument>): void;
}

const WIDTH = 900;
const HEIGHT = 360;
const MARGIN = { top: 16, right: 64, bottom: 44, left: 64 };

const share = (r: TrendRound): number => (r.scored > 0 ? r.retained / r.scored : 0);

/** Rounds counted from older parts have no expected figure: their points are left out, not drawn as 0. */
const expected = (r: TrendRound): number | undefined => r.expectedRetained;
const expectedText = (r: TrendRound) =>
  r.expectedRetained === undefined ? 'unknown' : count(Math.round(r.expectedRetained));

const SERIES = [
  { key: 'scored', label: 'users scored', axis: 'count', value: (r: TrendRound) => r.scored },
  {
    key: 'retained',
    label: 'predicted retained (probability \u2265 0.5)',
    axis: 'count',
    value: (r: TrendRound) => r.retained,
  },
  { key: 'expected', label: 'expected to return (sum of probabilities)', axis: 'count', value: expected },
  { key: 'share', label: 'share predicted retained (right axis)', axis: 'share', value: share },
] as const;

/** Whole-number rounds only, each once (d3 would label 0, 0.5, 1 as "0 0 1" with few rounds). */
function roundTicks(first: number, last: number): number[] {
  const span = Math.max(1, last - first);
  const step = Math.max(1, Math.ceil(span / 10));
  const ticks: number[] = [];
  for (let r = first; r <= Math.max(last, first + 1); r += step) ticks.push(r);
  return ticks;
}

function legend(): HTMLElement {
  const list = el('ul', { class: 'trend-legend', 'aria-label': 'Legend' });
  for (const s of SERIES) {
    const item = el('li');
    const swatch = select(document.createElementNS('http://www.w3.org/2000/svg', 'svg'))
      .attr('width', 36)
      .attr('height', 10)
      .attr('aria-hidden', 'true');
    swatch.append('line').attr('class', `series-${s.key}`).attr('x1', 0).attr('x2', 36).attr('y1', 5).attr('y2', 5);
    item.append(swatch.node()!, ` ${s.label}`);
    list.append(item);
  }
  return list;
}

function table(rounds: TrendRound[]): HTMLElement {
  const details = el('details');
  details.append(el('summary', {}, `Show the ${rounds.length} rounds as a table`));
  const t = el('table', { class: 'trend-table' });
  const head = el('tr');
  for (const name of ['round', 'scored', 'predicted retained (\u2265 0.5)', 'expected to return', 'share \u2265 0.5'])
    head.append(el('th', { scope: 'col' }, name));
  t.append(head);
  for (const r of rounds) {
    const row = el('tr');
    row.append(
      el('th', { scope: 'row' }, String(r.round)),
      el('td', {}, count(r.scored)),
      el('td', {}, count(r.retained)),
      el('td', {}, expectedText(r)),
      el('td', {}, percent(share(r))),
    );
    t.append(row);
  }
  details.append(t);
  return details;
}

function drawTrends(panel: HTMLElement, doc: TrendsDocument): void {
  const rounds = [...doc.rounds].sort((a, b) => a.round - b.round);
  const first = rounds[0];
  const last = rounds.at(-1);
  if (first === undefined || last === undefined) {
    panel.replaceChildren(emptyState('No prediction rounds yet.', NO_TRENDS_ADVICE));
    return;
  }
  const summary = el('p', { class: 'headline', 'data-testid': 'trend-summary' });
  const expectedLast = last.expectedRetained;
  summary.textContent =
    `Latest round ${last.round}: ${count(last.scored)} users scored; ` +
    (expectedLast === undefined || last.scored === 0
      ? ''
      : `${expectedText(last)} expected to return (${percent(expectedLast / last.scored)}); `) +
    `${count(last.retained)} predicted retained at probability \u2265 0.5 (${percent(share(last))}). ` +
    `${rounds.length} rounds; updated ${dateText(doc.updatedAt)}.`;

  const stage = el('div', { class: 'trend-stage' });
  const tooltip = createTooltip(stage);
  const x = scaleLinear()
    .domain([first.round, Math.max(last.round, first.round + 1)])
    .range([MARGIN.left, WIDTH - MARGIN.right]);
  const y = scaleLinear()
    .domain([0, Math.max(1, max(rounds, (r) => r.scored) ?? 1)])
    .nice()
    .range([HEIGHT - MARGIN.bottom, MARGIN.top]);
  const yShare = scaleLinear()
    .domain([0, 1])
    .range([HEIGHT - MARGIN.bottom, MARGIN.top]);
  const svg = select(stage)
    .append('svg')
    .attr('class', 'trend-chart')
    .attr('viewBox', `0 0 ${WIDTH} ${HEIGHT}`)
    .attr('tabindex', 0)
    .attr('role', 'group')
    .attr('data-rounds', rounds.length)
    .attr(
      'aria-label',
      `Prediction trends over ${rounds.length} rounds. ${summary.textContent} Use the left and right arrow keys to read each round.`,
    );
  svg
    .append('g')
    .attr('transform', `translate(0,${HEIGHT - MARGIN.bottom})`)
    .call(axisBottom(x).tickValues(roundTicks(first.round, last.round)).tickFormat(format('d')));
  svg.append('g').attr('transform', `translate(${MARGIN.left},0)`).call(axisLeft(y).ticks(6, ',d'));
  svg
    .append('g')
    .attr('transform', `translate(${WIDTH - MARGIN.right},0)`)
    .call(axisRight(yShare).ticks(5, '.0%'));
  axisTitles(svg, { width: WIDTH, height: HEIGHT, margin: MARGIN }, { bottom: 'prediction round', left: 'users' });
  svg
    .append('text')
    .attr('transform', `translate(${WIDTH - 12},${HEIGHT / 2}) rotate(90)`)
    .attr('text-anchor', 'middle')
    .text('retained share');

  for (const s of SERIES) {
    const scale = s.axis === 'share' ? yShare : y;
    const value = (r: TrendRound) => s.value(r) ?? 0;
    const known = (r: TrendRound) => s.value(r) !== undefined;
    svg
      .append('path')
      .attr('class', `series series-${s.key}`)
      .attr('data-series', s.key)
      .attr(
        'd',
        line<TrendRound>()
          .defined(known)
          .x((r) => x(r.round))
          .y((r) => scale(value(r)))(rounds) ?? '',
      );
    if (s.key === 'share') continue;
    svg
      .append('g')
      .attr('class', `points points-${s.key}`)
      .selectAll('circle')
      .data(rounds.filter(known))
      .join('circle')
      .attr('r', rounds.length > 100 ? 1.5 : 3)
      .attr('cx', (r) => x(r.round))
      .attr('cy', (r) => scale(value(r)))
      .attr('data-series', s.key)
      .attr('data-round', (r) => r.round)
      .attr('data-value', value);
  }

  // Screen readers hear the round the arrow keys land on (the tooltip is visual only).
  const live = el('p', { class: 'sr-only', 'aria-live': 'polite', 'data-testid': 'trend-readout' });
  const rule = svg
    .append('line')
    .attr('class', 'rule')
    .attr('y1', MARGIN.top)
    .attr('y2', HEIGHT - MARGIN.bottom)
    .attr('display', 'none');
  const marker = svg.append('circle').attr('class', 'marker').attr('r', 5).attr('display', 'none');
  let selected = rounds.length - 1;
  function select_(index: number): void {
    selected = Math.max(0, Math.min(rounds.length - 1, index));
    const r = rounds[selected];
    if (r === undefined) return; // never: rounds is not empty and selected is clamped
    rule.attr('x1', x(r.round)).attr('x2', x(r.round)).attr('display', null);
    marker.attr('cx', x(r.round)).attr('cy', y(r.retained)).attr('display', null);
    svg.attr('data-selected-round', r.round);
    live.textContent =
      `Round ${r.round}: ${count(r.scored)} scored, ${expectedText(r)} expected to return, ` +
      `${count(r.retained)} predicted retained, ${percent(share(r))}.`;
    tooltip.show(marker.node()!, [
      ['round', String(r.round)],
      ['users scored', count(r.scored)],
      ['expected to return', expectedText(r)],
      ['predicted retained (\u2265 0.5)', count(r.retained)],
      ['share \u2265 0.5', percent(share(r))],
    ]);
  }
  function clear(): void {
    rule.attr('display', 'none');
    marker.attr('display', 'none');
    tooltip.hide();
  }
  const byRound = bisector<TrendRound, number>((r) => r.round).center;
  svg
    .on('mousemove', (event: MouseEvent) => {
      const box = (svg.node() as SVGSVGElement).getBoundingClientRect();
      const at = ((event.clientX - box.left) / box.width) * WIDTH;
      select_(byRound(rounds, x.invert(at)));
    })
    .on('mouseleave blur', clear)
    .on('focus', () => select_(selected))
    .on('keydown', (event: KeyboardEvent) => {
      const step = { ArrowLeft: -1, ArrowRight: 1, PageUp: -10, PageDown: 10 }[event.key];
      if (step !== undefined) select_(selected + step);
      else if (event.key === 'Home') select_(0);
      else if (event.key === 'End') select_(rounds.length - 1);
      else return;
      event.preventDefault();
    });

  panel.replaceChildren(summary, legend(), stage, live, table(rounds));
}

export function createTrendsView(panel: HTMLElement): TrendsView {
  let shownText: string | undefined;
  return {
    update(loaded) {
      if (loaded.state === 'ok') {
        if (loaded.text === shownText) return; // unchanged: do not disturb a reader hovering the chart
        shownText = loaded.text;
        drawTrends(panel, loaded.doc); // or its empty state, without rounds
        return;
      }
      shownText = undefined;
      panel.replaceChildren(
        loaded.state === 'missing' ? emptyState('No predictions yet.', NO_TRENDS_ADVICE) : errorState(loaded.message),
      );
    },
  };
}
