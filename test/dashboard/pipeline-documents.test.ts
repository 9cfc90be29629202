/**
 * The dashboard on documents the local pipeline really published (test/dashboard/fixtures/
 * pipeline/: demo data → extraction → training flow with the histogram forest engine →
 * a prediction round; re-captured by test/dashboard/fixtures/capture.ts), and the README's view
 * of it (saved into test-output/ here; `npm run screenshot` makes docs/screenshot.png).
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { countNodes, parseCard, parseTrees, parseTrends, type TreeNode } from '#dashboard/src/documents.ts';
import { startDashboard, type Dashboard } from './dashboard-harness.ts';
import { pipelineDocument as fixture, pipelineDocuments, showReadmeView } from './readme-view.ts';

const trees = parseTrees(JSON.parse(fixture('trees.json')));
const card = parseCard(JSON.parse(fixture('card.json')));
const trends = parseTrends(JSON.parse(fixture('trends.json')));

let dashboard: Dashboard;
let page: Page;

beforeAll(async () => {
  dashboard = await startDashboard(pipelineDocuments());
  page = await dashboard.open('#forest');
});

afterAll(async () => {
  await dashboard?.stop();
});

function leaves(root: TreeNode): TreeNode[] {
  const out: TreeNode[] = [];
  const stack = [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node.children) stack.push(...node.children);
    else out.push(node);
  }
  return out;
}

describe('dashboard on the pipeline’s published documents', () => {
  it('draws every tree of the published model completely, leaves with the model’s probabilities', async () => {
    expect(await page.locator('#tree-picker option').count()).toBe(trees.trees.length);
    for (const [index, tree] of trees.trees.entries()) {
      await page.selectOption('#tree-picker', String(index));
      await page.click('[data-action="expand-all"]');
      expect(await page.locator('svg.tree-chart g.node').count()).toBe(countNodes(tree));
      const shown = await page.$$eval('svg.tree-chart g.node[data-leaf]', (gs) =>
        gs.map(
          (g) =>
            [Number(g.getAttribute('data-node-id')), Number(g.getAttribute('data-probability'))] as [number, number],
        ),
      );
      expect(new Map(shown)).toEqual(new Map(leaves(tree).map((l) => [l.id, l.probability])));
    }
  });

  it('shows the card’s AUC, gate decision and every candidate', async () => {
    await page.click('#tab-card');
    expect(await page.locator('[data-metric="auc"]').textContent()).toBe(card.metrics.auc.toFixed(3));
    expect(await page.locator('[data-gate]').getAttribute('data-gate')).toBe(card.gate.decision);
    expect(await page.locator('[data-candidate]').count()).toBe(card.candidates.length);
    expect(dashboard.pageErrors).toEqual([]);
  });

  it('shows every prediction round of the published trends', async () => {
    await page.click('#tab-trends');
    expect(await page.locator('svg.trend-chart').getAttribute('data-rounds')).toBe(String(trends.rounds.length));
    const last = trends.rounds.at(-1);
    expect(await page.getByTestId('trend-summary').textContent()).toContain(
      `${last?.retained.toLocaleString('en')} predicted retained`,
    );
    expect(dashboard.pageErrors).toEqual([]);
  });

  it('draws the README view: the first tree, fully expanded, one leaf described (saved into test-output/)', async () => {
    mkdirSync('test-output', { recursive: true });
    const described = await showReadmeView(page);
    await page.screenshot({ path: 'test-output/dashboard-pipeline-forest.png' });
    expect(described).toBeGreaterThan(0.2);
    expect(described).toBeLessThan(0.8);
    expect(await page.locator('#view-forest [role="tooltip"]:not([hidden])').count()).toBe(1);
    expect(dashboard.pageErrors).toEqual([]);
  });
});
