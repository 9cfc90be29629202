/**
 * The Model card view: which model, trained when and on what, how good it is (AUC, error
 * rate against always predicting the majority class, confusion matrix, ROC curve, calibration), which
 * features matter, and how the training flow chose it (candidates and the gate).
 */
import { axisBottom, axisLeft, line, scaleLinear, select } from 'd3';
import type { CardDocument } from './documents.ts';
import { redrawWhenChanged, type Loaded } from './data.ts';
import { count, dateText, decimal3, el, percent } from './format.ts';
import { inlineText, jsonView } from './json-view.ts';
import { emptyState, errorState, NO_MODEL_ADVICE } from './states.ts';

export interface CardView {
  update(loaded: Loaded<CardDocument>): void;
}

function section(title: string, ...content: Node[]): HTMLElement {
  const id = `card-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  const box = el('section', { class: 'card-section', 'aria-labelledby': id });
  box.append(el('h2', { id }, title), ...content);
  return box;
}

function wide(box: HTMLElement): HTMLElement {
  box.classList.add('wide');
  return box;
}

function pairs(rows: [string, Node | string][]): HTMLElement {
  const list = el('dl', { class: 'pairs' });
  for (const [name, value] of rows) {
    const dd = el('dd');
    dd.append(value);
    list.append(el('dt', {}, name), dd);
  }
  return list;
}

function metric(name: string, value: number, text: string): HTMLElement {
  return el('span', { class: 'metric', 'data-metric': name, 'data-value': String(value) }, text);
}

function errorBars(card: CardDocument): HTMLElement {
  const { errorRate, baselineErrorRate } = card.metrics;
  const box = el('div', { class: 'bars' });
  for (const [label, value, name] of [
    ['this model', errorRate, 'errorRate'],
    ['always the majority class', baselineErrorRate, 'baselineErrorRate'],
  ] as const) {
    const row = el('div', { class: 'bar-row' });
    const track = el('div', { class: 'bar-track', 'aria-hidden': 'true' });
    const bar = el('div', { class: `bar ${name}` });
    bar.style.width = `${Math.min(100, value * 100)}%`;
    track.append(bar);
    row.append(el('span', { class: 'bar-name' }, label), track, metric(name, value, percent(value)));
    box.append(row);
  }
  return box;
}

function confusionTable(card: CardDocument): HTMLElement {
  const { tp, fp, tn, fn } = card.metrics.confusion;
  const table = el('table', { class: 'confusion', 'data-testid': 'confusion' });
  table.append(el('caption', {}, 'Test users: actual (rows) against predicted (columns)'));
  const head = el('tr');
  head.append(
    el('td'),
    el('th', { scope: 'col' }, 'predicted retained'),
    el('th', { scope: 'col' }, 'predicted not retained'),
  );
  const rowRetained = el('tr');
  rowRetained.append(
    el('th', { scope: 'row' }, 'actually retained'),
    el('td', { 'data-cell': 'tp' }, `${count(tp)} true positives`),
    el('td', { 'data-cell': 'fn' }, `${count(fn)} false negatives`),
  );
  const rowLeft = el('tr');
  rowLeft.append(
    el('th', { scope: 'row' }, 'actually not retained'),
    el('td', { 'data-cell': 'fp' }, `${count(fp)} false positives`),
    el('td', { 'data-cell': 'tn' }, `${count(tn)} true negatives`),
  );
  table.append(head, rowRetained, rowLeft);
  return table;
}

function rocChart(card: CardDocument): SVGSVGElement {
  const size = 260;
  const margin = { top: 10, right: 20, bottom: 40, left: 46 };
  const x = scaleLinear()
    .domain([0, 1])
    .range([margin.left, size - margin.right]);
  const y = scaleLinear()
    .domain([0, 1])
    .range([size - margin.bottom, margin.top]);
  const svg = select(document.createElementNS('http://www.w3.org/2000/svg', 'svg'))
    .attr('class', 'roc')
    .attr('viewBox', `0 0 ${size} ${size}`)
    .attr('width', size)
    .attr('height', size)
    .attr('role', 'img')
    .attr(
      'aria-label',
      `ROC curve with ${card.metrics.roc.length} points, area under the curve ${decimal3(card.metrics.auc)}`,
    );
  svg
    .append('g')
    .attr('transform', `translate(0,${size - margin.bottom})`)
    .call(axisBottom(x).ticks(5, '.0%'));
  svg.append('g').attr('transform', `translate(${margin.left},0)`).call(axisLeft(y).ticks(5, '.0%'));
  svg
    .append('text')
    .attr('x', size / 2 + 18)
    .attr('y', size - 6)
    .attr('text-anchor', 'middle')
    .text('false positive rate');
  svg
    .append('text')
    .attr('transform', `translate(12,${(size - margin.bottom) / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .text('true positive rate');
  svg.append('line').attr('class', 'chance').attr('x1', x(0)).attr('y1', y(0)).attr('x2', x(1)).attr('y2', y(1));
  const points = [...card.metrics.roc].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  svg
    .append('path')
    .attr('class', 'roc-line')
    .attr('data-points', points.length)
    .attr(
      'd',
      line<[number, number]>()
        .x((p) => x(p[0]))
        .y((p) => y(p[1]))(points) ?? '',
    );
  return svg.node()!;
}

function importanceBars(card: CardDocument): HTMLElement {
  const sorted = [...card.featureImportance].sort((a, b) => b.importance - a.importance);
  const top = sorted[0]?.importance || 1;
  const list = el('ol', { class: 'bars importance', 'aria-label': 'Feature importance, largest first' });
  for (const { feature, importance } of sorted) {
    const row = el('li', { class: 'bar-row', 'data-feature': feature, 'data-importance': String(importance) });
    const track = el('div', { class: 'bar-track', 'aria-hidden': 'true' });
    const bar = el('div', { class: 'bar' });
    bar.style.width = `${(importance / top) * 100}%`;
    track.append(bar);
    row.append(
      el('span', { class: 'bar-name' }, feature),
      track,
      el('span', { class: 'bar-value' }, percent(importance)),
    );
    list.append(row);
  }
  return list;
}

function candidatesTable(card: CardDocument): HTMLElement {
  const candidates = card.candidates ?? [];
  if (candidates.length === 0) return el('p', { class: 'muted' }, 'The flow recorded no candidates.');
  const best = Math.max(...candidates.map((c) => c.auc));
  const table = el('table', { class: 'candidates' });
  table.append(el('caption', {}, 'Forests trained with different parameters, compared on the test week'));
  const head = el('tr');
  for (const name of ['candidate', 'parameters', 'test AUC', 'error rate', 'nodes'])
    head.append(el('th', { scope: 'col' }, name));
  table.append(head);
  for (const c of candidates) {
    const row = el('tr', { 'data-candidate': String(c.id) });
    row.append(
      el('th', { scope: 'row' }, `${c.id}${c.auc === best ? ' (highest AUC)' : ''}`),
      el('td', {}, inlineText(c.params)),
      el('td', {}, decimal3(c.auc)),
      el('td', {}, percent(c.errorRate)),
      el('td', {}, count(c.nodes)),
    );
    table.append(row);
  }
  return table;
}

function gateBox(card: CardDocument): HTMLElement {
  const { gate } = card;
  const rows: [string, string][] = [
    ['decision', gate.decision],
    ['reason', gate.reason],
    ['AUC floor', decimal3(gate.floor)],
    ['required margin over the current model', decimal3(gate.margin)],
  ];
  if (gate.currentAuc !== undefined) rows.push(['AUC of the model it replaces', decimal3(gate.currentAuc)]);
  const box = pairs(rows);
  box.setAttribute('data-gate', gate.decision);
  return box;
}

/** The reliability table: per bin of predicted probability, how many test users, what was predicted, what happened. */
function calibrationTable(card: CardDocument): HTMLElement {
  const c = card.metrics.calibration;
  const box = el('div', { 'data-testid': 'calibration' });
  if (!c) {
    box.append(el('p', { class: 'muted' }, 'This card was written before the calibration was stated.'));
    return box;
  }
  box.append(
    el(
      'p',
      {},
      `Mean predicted probability ${percent(c.meanPredicted)}; ${percent(c.actualShare)} of the test users came back. ` +
        'Where the two agree in every bin, the sum of the probabilities is the number of users to expect back.',
    ),
  );
  const table = el('table', { class: 'calibration' });
  table.append(el('caption', {}, 'Test users by predicted probability of coming back'));
  const head = el('tr');
  for (const name of ['predicted', 'users', 'mean predicted', 'actually came back'])
    head.append(el('th', { scope: 'col' }, name));
  table.append(head);
  for (const b of c.bins) {
    const row = el('tr', {
      'data-calibration-bin': String(b.from),
      'data-mean-predicted': String(b.meanPredicted),
      'data-actual-share': String(b.actualShare),
    });
    row.append(
      el('th', { scope: 'row' }, `${percent(b.from)}\u2013${percent(b.to)}`),
      el('td', {}, count(b.count)),
      el('td', {}, percent(b.meanPredicted)),
      el('td', {}, percent(b.actualShare)),
    );
    table.append(row);
  }
  box.append(table);
  return box;
}

function drawCard(panel: HTMLElement, card: CardDocument): void {
  const m = card.metrics;
  const auc = el('p', { class: 'headline' });
  auc.append('Test AUC ', metric('auc', m.auc, decimal3(m.auc)));
  const others = pairs([
    ['precision', metric('precision', m.precision, decimal3(m.precision))],
    ['recall', metric('recall', m.recall, decimal3(m.recall))],
    ['F1', metric('f1', m.f1, decimal3(m.f1))],
    ['log loss', metric('logLoss', m.logLoss, decimal3(m.logLoss))],
  ]);
  const header = el('div', { class: 'card-grid' });
  header.append(
    section(
      'Model',
      pairs([
        ['version', el('span', { 'data-field': 'modelVersion' }, card.modelVersion)],
        ['trained', dateText(card.trainedAt)],
        ['features from week', card.trainWeek],
        ['labels (came back?) from week', card.labelWeek],
        ...(typeof card.runId === 'string' ? [['training run', card.runId] as [string, string]] : []),
      ]),
    ),
    section('Quality on the test users', auc, errorBars(card), others),
    section('Confusion matrix', confusionTable(card)),
    section('ROC curve', rocChart(card)),
    section('Calibration', calibrationTable(card)),
    section('Feature importance', importanceBars(card)),
    section('Gate decision', gateBox(card)),
    wide(section('Candidates compared', candidatesTable(card))),
    section('Training parameters', jsonView(card.params)),
    section('Source files', jsonView(card.sources)),
    section('Training data', jsonView(card.dataStats)),
  );
  panel.replaceChildren(header);
}

export function createCardView(panel: HTMLElement): CardView {
  const update = redrawWhenChanged<CardDocument>(
    (doc) => drawCard(panel, doc),
    (other) =>
      panel.replaceChildren(
        other.state === 'missing' ? emptyState('No model published yet.', NO_MODEL_ADVICE) : errorState(other.message),
      ),
  );
  return { update };
}
