/**
 * The dashboard on documents the local pipeline really published (test/site/fixtures/
 * pipeline/: demo data → extraction → training flow with the histogram forest engine →
 * a prediction round; re-captured by test/site/fixtures/capture.ts), and the README's
 * screenshot of it.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { countNodes, parseCard, parseTrees, parseTrends, type TreeNode } from '../../site/src/documents.ts';
import { startDashboard, type Dashboard } from './dashboard-harness.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/pipeline/${name}`, import.meta.url), 'utf8');
const trees = parseTrees(JSON.parse(fixture('trees.json')));
const card = parseCard(JSON.parse(fixture('card.json')));
const trends = parseTrends(JSON.parse(fixture('trends.json')));

let dashboard: Dashboard;
let page: Page;

beforeAll(async () => {
  dashboard = await startDashboard({
    'trees.json': fixture('trees.json'),
    'card.json': fixture('card.json'),
    'trends.json': fixture('trends.json'),
  });
  page = await dashboard.open('#forest');
});

afterAll(async () => {
  await dashboard?.stop();
});

function leaves(root: TreeNode): TreeNode[] {
  const out: TreeNode[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
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
    const last = trends.rounds[trends.rounds.length - 1];
    expect(await page.getByTestId('trend-summary').textContent()).toContain(
      `${last.retained.toLocaleString('en')} predicted retained`,
    );
    expect(dashboard.pageErrors).toEqual([]);
  });

  it('saves the README screenshot: the first tree, fully expanded, one leaf described', async () => {
    mkdirSync('test-output', { recursive: true });
    await page.click('#tab-forest');
    // Tall enough that a depth-6 tree's labels stay readable (the chart is 100vh − 300px).
    await page.setViewportSize({ width: 1280, height: 1300 });
    await page.selectOption('#tree-picker', '0');
    await page.click('[data-action="expand-all"]');
    // Describe a mixed leaf in the upper half, so that its tooltip (drawn below its top) fits.
    const leafRects = page.locator('svg.tree-chart g.node[data-leaf] rect');
    const leafTops = await leafRects.evaluateAll((rects) =>
      rects.map((r) => ({
        top: r.getBoundingClientRect().top,
        p: Number(r.parentElement!.getAttribute('data-probability')),
      })),
    );
    const chosen = leafTops.findIndex((l) => l.top < 650 && l.p > 0.2 && l.p < 0.8);
    await leafRects.nth(Math.max(0, chosen)).hover();
    await page.screenshot({ path: 'docs/screenshot.png' });
    await page.screenshot({ path: 'test-output/dashboard-pipeline-forest.png' });
  });
});
