/**
 * The Forest view: a picker over every tree of the published model, the chosen tree drawn
 * by tree-chart, controls to expand, collapse and fit, and the colour legend.
 */
import { countNodes, type TreesDocument } from './documents.ts';
import type { Loaded } from './data.ts';
import { el, count } from './format.ts';
import { probabilityLegend } from './colour.ts';
import { createTreeChart, type TreeChart } from './tree-chart.ts';
import { createTooltip } from './tooltip.ts';
import { emptyState, errorState, NO_MODEL_ADVICE } from './states.ts';

export interface ForestView {
  update(loaded: Loaded<TreesDocument>): void;
}

export function createForestView(panel: HTMLElement): ForestView {
  let shownText: string | undefined;
  let resizes: ResizeObserver | undefined;

  function drawForest(doc: TreesDocument): void {
    const picker = el('select', { id: 'tree-picker', 'data-testid': 'tree-picker' });
    const nodeCounts = doc.trees.map(countNodes);
    nodeCounts.forEach((nodes, i) => {
      picker.append(el('option', { value: String(i) }, `Tree ${i} · ${count(nodes)} nodes`));
    });
    const previous = el('button', { type: 'button', 'aria-label': 'Previous tree' }, '‹');
    const next = el('button', { type: 'button', 'aria-label': 'Next tree' }, '›');
    const expand = el('button', { type: 'button', 'data-action': 'expand-all' }, 'Expand all');
    const collapse = el('button', { type: 'button', 'data-action': 'collapse-all' }, 'Collapse all');
    const fit = el('button', { type: 'button', 'data-action': 'fit' }, 'Fit to screen');
    const pickerLabel = el('label', { for: 'tree-picker' }, 'Tree');
    const controls = el('div', { class: 'controls', role: 'toolbar', 'aria-label': 'Tree controls' });
    controls.append(pickerLabel, previous, picker, next, expand, collapse, fit);

    const status = el('p', { class: 'status', 'aria-live': 'polite', 'data-testid': 'tree-status' });
    const help = el(
      'p',
      { class: 'help' },
      'Click a node (or press Enter) to fold or unfold it; drag to pan, scroll to zoom; arrow keys move between nodes. ' +
        '“yes” marks the branch where the condition holds.',
    );
    const stage = el('div', { class: 'tree-stage' });
    const tooltip = createTooltip(stage);
    const header = el(
      'p',
      { class: 'model-version' },
      `Model ${doc.modelVersion}: ${doc.trees.length} trees (0–${doc.trees.length - 1})`,
    );
    panel.replaceChildren(header, controls, probabilityLegend(), status, stage, help);
    const chart: TreeChart = createTreeChart(stage, tooltip);

    function report(index: number): void {
      const total = nodeCounts[index] ?? 0; // index comes from the picker, whose options are the trees
      status.textContent = `Tree ${index}: ${count(total)} nodes, ${count(chart.drawnCount())} shown.`;
      status.setAttribute('data-drawn', String(chart.drawnCount()));
      status.setAttribute('data-total', String(total));
    }
    function choose(index: number): void {
      const tree = doc.trees[index];
      if (tree === undefined) return; // a model without trees: nothing to show
      picker.value = String(index);
      chart.show(tree, `Tree ${index} of model ${doc.modelVersion}`);
      report(index);
    }
    picker.addEventListener('change', () => choose(Number(picker.value)));
    previous.addEventListener('click', () => choose((Number(picker.value) + doc.trees.length - 1) % doc.trees.length));
    next.addEventListener('click', () => choose((Number(picker.value) + 1) % doc.trees.length));
    expand.addEventListener('click', () => {
      chart.expandAll();
      report(Number(picker.value));
    });
    collapse.addEventListener('click', () => {
      chart.collapseAll();
      report(Number(picker.value));
    });
    fit.addEventListener('click', () => chart.fit());
    // Folding by click or keyboard changes the drawn count; keep the status honest.
    stage.addEventListener('click', () => report(Number(picker.value)));
    stage.addEventListener('keyup', () => report(Number(picker.value)));
    // The panel is hidden until its tab is chosen: fit once it has a size.
    resizes?.disconnect();
    resizes = new ResizeObserver(() => chart.fit());
    resizes.observe(stage);
    choose(0);
  }

  return {
    update(loaded) {
      if (loaded.state === 'ok') {
        if (loaded.text === shownText) return; // same model: keep the reader's place
        shownText = loaded.text;
        if (loaded.doc.trees.length === 0) {
          panel.replaceChildren(emptyState('The published model has no trees.', NO_MODEL_ADVICE));
          return;
        }
        drawForest(loaded.doc);
        return;
      }
      shownText = undefined;
      panel.replaceChildren(
        loaded.state === 'missing'
          ? emptyState('No model published yet.', NO_MODEL_ADVICE)
          : errorState(loaded.message),
      );
    },
  };
}
