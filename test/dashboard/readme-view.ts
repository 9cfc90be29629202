/**
 * The README's picture of the dashboard, on the pipeline's published documents
 * (fixtures/pipeline/): the first tree, fully expanded, one mixed leaf described. The
 * browser test draws it into test-output/; `npm run screenshot` saves it as docs/screenshot.png.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import type { DocumentName } from './dashboard-harness.ts';

export function pipelineDocument(name: Exclude<DocumentName, 'at-risk.json'>): string {
  return readFileSync(new URL(`./fixtures/pipeline/${name}`, import.meta.url), 'utf8');
}

/** The documents as published, for `startDashboard` (at-risk.json and outcomes.json: not in the README's picture). */
export function pipelineDocuments(): Record<Exclude<DocumentName, 'at-risk.json' | 'outcomes.json'>, string> {
  return {
    'trees.json': pipelineDocument('trees.json'),
    'card.json': pipelineDocument('card.json'),
    'trends.json': pipelineDocument('trends.json'),
  };
}

/** Turns a dashboard page into the README's view; returns the probability of the described leaf (NaN: none). */
export async function showReadmeView(page: Page): Promise<number> {
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
      p: Number(r.parentElement?.getAttribute('data-probability')),
    })),
  );
  const chosen = Math.max(
    0,
    leafTops.findIndex((l) => l.top < 650 && l.p > 0.2 && l.p < 0.8),
  );
  await leafRects.nth(chosen).hover();
  return leafTops[chosen]?.p ?? Number.NaN;
}
