/**
 * Before anything is published the dashboard says what to do, not a blank page; a broken
 * document is named in an error; and the views fill in by themselves once documents appear.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCardDocument, makeTreesDocument, makeTrendsDocument } from './fixture-documents.ts';
import { startDashboard, type Dashboard } from './dashboard-harness.ts';

let dashboard: Dashboard;

beforeAll(async () => {
  dashboard = await startDashboard();
});

afterAll(async () => {
  await dashboard?.stop();
});

describe('empty and broken states', () => {
  it('tells the reader what to do in every view while nothing is published', async () => {
    const page = await dashboard.open('#forest');
    const empty = (view: string) => page.locator(`#view-${view} [data-state="empty"]`).textContent();
    expect(await empty('forest')).toMatch(/no model published yet.*upload two weeks of logs/is);
    await page.click('#tab-card');
    expect(await empty('card')).toMatch(/no model published yet.*upload two weeks of logs/is);
    await page.click('#tab-trends');
    expect(await empty('trends')).toMatch(/no predictions yet.*send users/is);
    // The at-risk list names users: to a browser that has not signed in, the hint is to sign in.
    await page.click('#tab-at-risk');
    await page.waitForSelector('#view-at-risk [data-state="sign-in"]');
    expect(await page.locator('#view-at-risk [data-state="sign-in"]').textContent()).toMatch(/sign in/i);
    await page.close();
  });

  it('names the document and the problem when one does not match its format', async () => {
    await dashboard.putDocument('card.json', { formatVersion: 2, modelVersion: 'x' });
    await dashboard.putDocument('trends.json', '{"formatVersion":1,"rounds":[{"round":0}]}');
    const page = await dashboard.open('#card');
    expect(await page.locator('#view-card [data-state="error"]').textContent()).toContain(
      'card.json has formatVersion 2',
    );
    await page.click('#tab-trends');
    expect(await page.locator('#view-trends [data-state="error"]').textContent()).toContain(
      'rounds[0].scored should be a number',
    );
    await page.close();
    await dashboard.deleteDocument('card.json');
    await dashboard.deleteDocument('trends.json');
  });

  it('draws the documents once they are published, without a reload', async () => {
    const page = await dashboard.open('#forest', '?refresh=250');
    await page.waitForSelector('#view-forest [data-state="empty"]');
    const trees = makeTreesDocument({ trees: 3, maxDepth: 4 });
    await dashboard.putDocument('trees.json', trees);
    await dashboard.putDocument('card.json', makeCardDocument({ modelVersion: trees.modelVersion }));
    await dashboard.putDocument('trends.json', makeTrendsDocument(3));
    await page.waitForSelector('#tree-picker', { timeout: 10_000 });
    expect(await page.locator('#tree-picker option').count()).toBe(3);
    await page.click('#tab-trends');
    await page.waitForSelector('circle[data-series="scored"]', { timeout: 10_000 });
    expect(await page.locator('circle[data-series="scored"]').count()).toBe(3);
    await page.close();
    // Only the intentionally broken documents above may have produced messages; none are page errors.
    expect(dashboard.pageErrors).toEqual([]);
  });

  it('replaces the forest and the card when a newer model is published', async () => {
    const page = await dashboard.open('#forest', '?refresh=250');
    await page.waitForSelector('#tree-picker');
    const newer = makeTreesDocument({ trees: 5, maxDepth: 3, seed: 99, modelVersion: 'v-newer' });
    await dashboard.putDocument('trees.json', newer); // Publish writes trees, then the card
    await dashboard.putDocument('card.json', makeCardDocument({ modelVersion: 'v-newer', auc: 0.9012 }));
    await page.waitForFunction(() => document.querySelectorAll('#tree-picker option').length === 5, undefined, {
      timeout: 10_000,
    });
    await page.click('#tab-card');
    expect(await page.locator('[data-field="modelVersion"]').textContent()).toBe('v-newer');
    expect(await page.locator('[data-metric="auc"]').textContent()).toBe('0.901');
    await page.close();
  });
});
