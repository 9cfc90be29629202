/**
 * Dashboard benchmark: bundle size (gzip) against the whole of d3 (the reference: what a
 * page that loads d3 alone would ship), and time to first render in headless Chromium of a
 * 100-tree forest and 500 trend rounds against the same page showing its empty states.
 * Goals: under 300 KB gzip, under 1 s to first render.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { BenchOptions } from './run.ts';
import { present } from './_shared.ts';
import { buildSite } from '#dashboard/build.ts';
import { countNodes } from '#dashboard/src/documents.ts';
import { makeCardDocument, makeTreesDocument, makeTrendsDocument } from '#test/dashboard/fixture-documents.ts';
import { startDashboard, type Dashboard } from '#test/dashboard/dashboard-harness.ts';

const gzipKiB = (bytes: Buffer) => gzipSync(bytes, { level: 9 }).length / 1024;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return present(sorted[Math.floor(sorted.length / 2)], 'a median of no values');
}

/** Milliseconds from navigation start until `selector` matches `count` elements. */
async function timeToRender(dashboard: Dashboard, fragment: string, selector: string, count: number): Promise<number> {
  const page = await dashboard.open(fragment);
  await page.waitForFunction(
    ([s, n]) => document.querySelectorAll(s as string).length >= (n as number),
    [selector, count],
    {
      polling: 'raf',
      timeout: 30_000,
    },
  );
  const ms = await page.evaluate(() => performance.now());
  await page.close();
  return ms;
}

export async function run(opts: BenchOptions): Promise<void> {
  const runs = opts.quick ? 2 : 5;
  const treeCount = opts.quick ? 20 : 100;
  const roundCount = opts.quick ? 100 : 500;

  const outDir = mkdtempSync(join(tmpdir(), 'bench-site-'));
  const built = buildSite({ outDir });
  const site = Object.keys(built.files).reduce((sum, f) => sum + gzipKiB(readFileSync(join(outDir, f))), 0);
  const d3Path = fileURLToPath(new URL('../node_modules/d3/dist/d3.min.js', import.meta.url));
  const d3 = gzipKiB(readFileSync(d3Path));
  rmSync(outDir, { recursive: true, force: true });

  const trees = makeTreesDocument({ trees: treeCount, maxDepth: 10, samples: 20_000, seed: 5 });
  const nodes = trees.trees.reduce((sum, t) => sum + countNodes(t), 0);
  const treesKiB = JSON.stringify(trees).length / 1024;

  const dashboard = await startDashboard();
  try {
    const empty: number[] = [];
    for (let i = 0; i < runs; i++)
      empty.push(await timeToRender(dashboard, '#forest', '#view-forest [data-state="empty"]', 1));
    await dashboard.putDocument('trees.json', trees);
    await dashboard.putDocument('card.json', makeCardDocument({ modelVersion: trees.modelVersion }));
    await dashboard.putDocument('trends.json', makeTrendsDocument(roundCount));
    const forest: number[] = [];
    const trends: number[] = [];
    for (let i = 0; i < runs; i++) {
      forest.push(await timeToRender(dashboard, '#forest', 'svg.tree-chart g.node', 1));
      trends.push(await timeToRender(dashboard, '#trends', 'circle[data-series="retained"]', roundCount));
    }
    // Expanding the largest tree at once: the heaviest single redraw the forest view does.
    const sizes = trees.trees.map(countNodes);
    const largest = sizes.indexOf(Math.max(...sizes));
    const expand: number[] = [];
    const collapsed: number[] = [];
    for (let i = 0; i < runs; i++) {
      const page = await dashboard.open('#forest');
      await page.waitForSelector('svg.tree-chart g.node');
      await page.selectOption('#tree-picker', String(largest));
      for (const [action, out] of [
        ['collapse-all', collapsed],
        ['expand-all', expand],
      ] as const) {
        const ms = await page.evaluate(async (name) => {
          const start = performance.now();
          (document.querySelector(`[data-action="${name}"]`) as HTMLButtonElement).click();
          await new Promise(requestAnimationFrame);
          return performance.now() - start;
        }, action);
        out.push(ms);
      }
      if ((await page.locator('svg.tree-chart g.node').count()) !== sizes[largest])
        throw new Error('expand all drew the wrong node count');
      await page.close();
    }
    const reference = median(empty);
    console.log(
      `site: ${runs} page loads each, median; forest ${treeCount} trees / ${nodes} nodes / trees.json ${treesKiB.toFixed(0)} KiB; ${roundCount} trend rounds`,
    );
    console.log('| measure | value | reference | ratio | goal |');
    console.log('| --- | ---: | ---: | ---: | --- |');
    console.log(
      `| bundle, gzip (index.html + app.js + styles.css) | ${site.toFixed(1)} KiB | d3.min.js alone ${d3.toFixed(1)} KiB | ${(site / d3).toFixed(2)} | < 300 KB ${site * 1.024 < 300 ? 'met' : 'MISSED'} |`,
    );
    for (const [name, values] of [
      ['first render, forest', forest],
      ['first render, trends', trends],
    ] as const) {
      const m = median(values);
      console.log(
        `| ${name} | ${m.toFixed(0)} ms | empty page ${reference.toFixed(0)} ms | ${(m / reference).toFixed(2)} | < 1 s ${m < 1000 ? 'met' : 'MISSED'} |`,
      );
    }
    const e = median(expand);
    const c = median(collapsed);
    console.log(
      `| expand all, largest tree (${sizes[largest]} nodes), to next frame | ${e.toFixed(0)} ms | collapse all ${c.toFixed(0)} ms | ${(e / c).toFixed(2)} | – |`,
    );
  } finally {
    await dashboard.stop();
  }
}
