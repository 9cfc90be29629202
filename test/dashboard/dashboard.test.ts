/**
 * The dashboard in headless Chromium, served by the local site server from the emulated
 * site bucket, against the documents the training flow's forest engine produces (trees,
 * and a card with its metrics) and generated trends.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { countNodes, type TreeNode } from '#dashboard/src/documents.ts';
import { makeTrendsDocument } from './fixture-documents.ts';
import { engineDocuments } from './engine-documents.ts';
import { startDashboard, type Dashboard } from './dashboard-harness.ts';
import { defined } from '#test/support/defined.ts';

const { trees, card } = await engineDocuments({ trees: 6, maxDepth: 6 });
const trends = makeTrendsDocument(24);

function nodesOf(root: TreeNode): TreeNode[] {
  const all: TreeNode[] = [];
  const stack = [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    all.push(node);
    if (node.children) stack.push(...node.children);
  }
  return all;
}

let dashboard: Dashboard;
let page: Page;

beforeAll(async () => {
  dashboard = await startDashboard({ 'trees.json': trees, 'card.json': card, 'trends.json': trends });
  page = await dashboard.open('#forest');
});

afterAll(async () => {
  await dashboard?.stop();
});

const drawn = (p: Page) => p.locator('svg.tree-chart g.node').count();

describe('forest view', () => {
  it('offers every tree and, expanded, draws exactly each tree’s nodes', async () => {
    const options = await page.locator('#tree-picker option').count();
    expect(options).toBe(trees.trees.length);
    for (const [index, tree] of trees.trees.entries()) {
      await page.selectOption('#tree-picker', String(index));
      await page.click('[data-action="expand-all"]');
      const ids = await page.$$eval('svg.tree-chart g.node', (gs) =>
        gs.map((g) => Number(g.getAttribute('data-node-id'))),
      );
      expect(ids.length).toBe(countNodes(tree));
      expect(ids.sort((a, b) => a - b)).toEqual(
        nodesOf(tree)
          .map((n) => n.id)
          .sort((a, b) => a - b),
      );
    }
  });

  it('shows each leaf’s probability of retention as the model states it', async () => {
    const tree = defined(trees.trees[2], 'tree 2');
    await page.selectOption('#tree-picker', '2');
    await page.click('[data-action="expand-all"]');
    const onScreen = await page.$$eval('svg.tree-chart g.node[data-leaf]', (gs) =>
      gs.map((g) => ({
        id: Number(g.getAttribute('data-node-id')),
        probability: Number(g.getAttribute('data-probability')),
        text: g.querySelector('text')?.textContent ?? '',
      })),
    );
    const leaves = nodesOf(tree).filter((n) => !n.children);
    expect(onScreen.length).toBe(leaves.length);
    for (const leaf of leaves) {
      const shown = defined(
        onScreen.find((s) => s.id === leaf.id),
        `leaf ${leaf.id} on screen`,
      );
      expect(shown.probability).toBe(leaf.probability);
      expect(shown.text).toContain(`${(leaf.probability * 100).toFixed(1)}%`);
      expect(shown.text).toContain(leaf.prediction === 1 ? 'retained' : 'not retained');
    }
  });

  it('writes each split’s condition in words and folds a subtree on click', async () => {
    const tree = defined(trees.trees[0], 'tree 0');
    await page.selectOption('#tree-picker', '0');
    await page.click('[data-action="expand-all"]');
    const rootLabel = await page.locator('svg.tree-chart g.node[data-node-id="0"] text').textContent();
    const condition = defined(tree.condition, "the root's condition");
    expect(rootLabel).toBe(condition.slice(0, 29) + (condition.length > 30 ? '…' : condition.slice(29)));
    const firstChild = defined(tree.children?.[0], "the root's first child");
    const hidden = countNodes(firstChild) - 1;
    await page.click(`svg.tree-chart g.node[data-node-id="${firstChild.id}"]`);
    expect(await drawn(page)).toBe(countNodes(tree) - hidden);
    await expect(page.locator(`g.node[data-node-id="${firstChild.id}"]`).getAttribute('aria-expanded')).resolves.toBe(
      firstChild.children ? 'false' : null,
    );
    await page.click(`svg.tree-chart g.node[data-node-id="${firstChild.id}"]`);
    expect(await drawn(page)).toBe(countNodes(tree));
  });

  it('shows samples, impurity and class counts when a node is hovered', async () => {
    const tree = defined(trees.trees[0], 'tree 0');
    await page.hover('svg.tree-chart g.node[data-node-id="0"] circle');
    const tooltip = page.locator('.tree-stage .tooltip');
    await expect(tooltip.isVisible()).resolves.toBe(true);
    const text = await tooltip.textContent();
    expect(text).toContain(tree.samples.toLocaleString('en'));
    expect(text).toContain(tree.impurity.toFixed(3));
    expect(text).toContain(tree.classCounts[1].toLocaleString('en'));
  });

  it('moves between nodes with arrow keys and folds with Enter', async () => {
    const tree = defined(trees.trees[0], 'tree 0');
    const firstChild = defined(tree.children?.[0], "the root's first child");
    await page.click('[data-action="expand-all"]');
    await page.focus('svg.tree-chart g.node[data-node-id="0"]');
    await page.keyboard.press('ArrowRight');
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-node-id'));
    expect(Number(focused)).toBe(firstChild.id);
    await page.keyboard.press('ArrowLeft'); // on an expanded node: folds it
    expect(await drawn(page)).toBe(countNodes(tree) - (countNodes(firstChild) - 1));
    await page.keyboard.press('Enter'); // unfolds again
    expect(await drawn(page)).toBe(countNodes(tree));
  });

  it('zooms with the wheel, pans by dragging, and fits back to the screen', async () => {
    await page.selectOption('#tree-picker', '1');
    const transform = () => page.locator('svg.tree-chart > g').getAttribute('transform');
    const fitted = await transform();
    const box = defined(await page.locator('svg.tree-chart').boundingBox(), 'the tree chart on screen');
    await page.mouse.move(box.x + box.width / 2, box.y + 20);
    await page.mouse.wheel(0, -400);
    await page.waitForFunction(
      (t) => document.querySelector('svg.tree-chart > g')?.getAttribute('transform') !== t,
      fitted,
    );
    const scale = (t: string | null) => Number(/scale\(([^)]+)\)/.exec(t ?? '')?.[1]);
    expect(scale(await transform())).toBeGreaterThan(scale(fitted));
    const zoomed = await transform();
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 120, box.y + 60, { steps: 4 });
    await page.mouse.up();
    expect(await transform()).not.toBe(zoomed);
    await page.click('[data-action="fit"]');
    // Same fit, up to sub-pixel differences in the measured bounding box.
    const numbers = (t: string | null) =>
      defined((t ?? '').match(/-?[\d.]+(e-?\d+)?/g), `numbers in the transform "${t}"`).map(Number);
    const refit = numbers(await transform());
    numbers(fitted).forEach((n, i) => expect(refit[i]).toBeCloseTo(n, 0));
  });

  it('keeps one node reachable by Tab after the focused node is folded away', async () => {
    await page.click('[data-action="expand-all"]');
    const deep = await page.locator('svg.tree-chart g.node[data-leaf]').last().getAttribute('data-node-id');
    await page.focus(`svg.tree-chart g.node[data-node-id="${deep}"]`);
    await page.keyboard.press('Home'); // roving focus moves with the keys…
    await page.keyboard.press('End');
    await page.click('[data-action="collapse-all"]'); // …and the node holding it disappears
    const stops = await page.$$eval('svg.tree-chart g.node[tabindex="0"]', (gs) =>
      gs.map((g) => g.getAttribute('data-node-id')),
    );
    expect(stops).toEqual([String(trees.trees[0]?.id)]);
  });
});

describe('model card view', () => {
  it('shows the AUC, error rates and confusion matrix from card.json', async () => {
    await page.click('#tab-card');
    const auc = page.locator('#view-card [data-metric="auc"]');
    expect(await auc.textContent()).toBe(card.metrics.auc.toFixed(3));
    expect(Number(await auc.getAttribute('data-value'))).toBe(card.metrics.auc);
    expect(Number(await page.locator('[data-metric="baselineErrorRate"]').getAttribute('data-value'))).toBe(
      card.metrics.baselineErrorRate,
    );
    expect(await page.locator('[data-cell="tp"]').textContent()).toContain(String(card.metrics.confusion.tp));
    expect(await page.locator('[data-cell="tn"]').textContent()).toContain(String(card.metrics.confusion.tn));
    expect(await page.locator('[data-field="modelVersion"]').textContent()).toBe(card.modelVersion);
    expect(Number(await page.locator('.roc-line').getAttribute('data-points'))).toBe(card.metrics.roc.length);
    expect(await page.locator('[data-feature]').count()).toBe(card.featureImportance.length);
    expect(await page.locator('[data-candidate]').count()).toBe(card.candidates.length);
    expect(await page.locator('[data-gate]').getAttribute('data-gate')).toBe(card.gate.decision);
  });
});

describe('trends view', () => {
  it('draws one point per round with its values, for each count: scored, above 0.5 and expected', async () => {
    await page.click('#tab-trends');
    const fields = { scored: 'scored', retained: 'retained', expected: 'expectedRetained' } as const;
    for (const [series, field] of Object.entries(fields)) {
      const points = await page.$$eval(`circle[data-series="${series}"]`, (cs) =>
        cs.map((c) => [Number(c.getAttribute('data-round')), Number(c.getAttribute('data-value'))]),
      );
      expect(points).toEqual(trends.rounds.map((r) => [r.round, r[field]]));
    }
  });

  it('reads out a round on hover', async () => {
    const box = defined(await page.locator('svg.trend-chart').boundingBox(), 'the trend chart on screen');
    // Round 12 of 0..23 sits at this fraction of the plot area (margins 64 of 900 each side).
    const x = box.x + ((64 + (12 / 23) * (900 - 128)) / 900) * box.width;
    await page.mouse.move(x, box.y + box.height / 2);
    const text = await page.locator('.trend-stage .tooltip').textContent();
    const round = defined(trends.rounds[12], 'round 12');
    expect(await page.locator('svg.trend-chart').getAttribute('data-selected-round')).toBe('12');
    expect(text).toContain(round.scored.toLocaleString('en'));
    expect(text).toContain(round.retained.toLocaleString('en'));
  });

  it('steps through rounds with the arrow keys and reads each one out', async () => {
    await page.focus('svg.trend-chart');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    expect(await page.locator('svg.trend-chart').getAttribute('data-selected-round')).toBe('1');
    const readout = await page.locator('[data-testid="trend-readout"]').textContent();
    const round = defined(trends.rounds[1], 'round 1');
    expect(readout).toContain(`Round 1: ${round.scored.toLocaleString('en')} scored`);
  });

  it('picks up a new round without a reload', async () => {
    const fast = await dashboard.open('#trends', '?refresh=250');
    const more = makeTrendsDocument(25);
    await dashboard.putDocument('trends.json', more);
    await fast.waitForFunction(
      () => document.querySelectorAll('circle[data-series="retained"]').length === 25,
      undefined,
      {
        timeout: 10_000,
      },
    );
    const last = defined(more.rounds[24], 'round 24');
    expect(
      Number(await fast.locator('circle[data-series="retained"][data-round="24"]').getAttribute('data-value')),
    ).toBe(last.retained);
    await fast.close();
    await dashboard.putDocument('trends.json', trends);
  });
});

describe('navigation', () => {
  it('reaches every view from the keyboard and by URL fragment', async () => {
    const nav = await dashboard.open('#forest');
    await nav.focus('#tab-forest');
    const visible = () =>
      nav.evaluate(() =>
        [...document.querySelectorAll('[role="tabpanel"]')].filter((p) => !(p as HTMLElement).hidden).map((p) => p.id),
      );
    await nav.keyboard.press('ArrowRight');
    expect(await visible()).toEqual(['view-card']);
    expect(await nav.evaluate(() => location.hash)).toBe('#card');
    await nav.keyboard.press('ArrowRight');
    expect(await visible()).toEqual(['view-trends']);
    await nav.keyboard.press('ArrowRight');
    expect(await visible()).toEqual(['view-at-risk']);
    await nav.keyboard.press('ArrowRight');
    expect(await visible()).toEqual(['view-outcomes']);
    await nav.keyboard.press('ArrowRight'); // wraps around
    expect(await visible()).toEqual(['view-forest']);
    await nav.keyboard.press('End');
    expect(await visible()).toEqual(['view-outcomes']);
    expect(await nav.evaluate(() => document.activeElement?.id)).toBe('tab-outcomes');
    await nav.goto(`${dashboard.server.url}#card`);
    expect(await visible()).toEqual(['view-card']);
    // Tab from the forest tab reaches a tree node.
    await nav.goto(`${dashboard.server.url}#forest`);
    await nav.waitForSelector('svg.tree-chart g.node');
    await nav.focus('#tab-forest');
    let onNode = false;
    for (let i = 0; i < 15 && !onNode; i++) {
      await nav.keyboard.press('Tab');
      onNode = await nav.evaluate(() => document.activeElement?.matches('g.node') ?? false);
    }
    expect(onNode).toBe(true);
    await nav.close();
  });

  it('saves screenshots of the three views and reports no page errors', async () => {
    mkdirSync('test-output', { recursive: true });
    const shot = await dashboard.open('#forest');
    await shot.waitForSelector('svg.tree-chart g.node');
    await shot.screenshot({ path: 'test-output/dashboard-forest.png' });
    await shot.click('#tab-card');
    await shot.screenshot({ path: 'test-output/dashboard-card.png', fullPage: true });
    await shot.click('#tab-trends');
    await shot.screenshot({ path: 'test-output/dashboard-trends.png' });
    await shot.close();
    expect(dashboard.pageErrors).toEqual([]);
  });
});
