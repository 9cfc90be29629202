/**
 * The At risk view, the expected-retention line of the trends chart and the card's
 * calibration table, in headless Chromium against the local site server and emulated S3:
 * the list least likely first with reasons in words, search and filters, the CSV download
 * holding exactly the rows shown, and the sign-in state when the list is refused.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { AtRiskDocument, AtRiskUser, TrendsDocument } from '#dashboard/src/documents.ts';
import { makeCardDocument } from './fixture-documents.ts';
import { startDashboard, type Dashboard } from './dashboard-harness.ts';
import { defined } from '#test/support/defined.ts';

const INDUSTRIES = ['BANK', 'HEALTH', 'INTERNET'];
const REGIONS = ['US-CA', 'GB-LONDON', 'AU-NSW', 'CN-SH'];

/** 40 users, least likely first; every third has no reasons (results before reasons existed). */
const users: AtRiskUser[] = Array.from({ length: 40 }, (_, i) => ({
  userId: 1000 + i * 7,
  probability: Math.round((0.02 + i * 0.01) * 1e6) / 1e6,
  industry: defined(INDUSTRIES[i % 3], 'an industry'),
  region: defined(REGIONS[i % 4], 'a region'),
  ...(i % 3 === 2
    ? {}
    : {
        reasons: [
          { feature: 'pc', value: i % 5, contribution: -0.08 - i / 1000 },
          { feature: 'inspect', value: 1, contribution: 0.004 },
        ],
      }),
}));
const atRisk: AtRiskDocument = {
  formatVersion: 1,
  modelVersion: 'v-fixture',
  round: 6,
  updatedAt: '2026-12-01T10:00:00.000Z',
  scored: 900,
  limit: 1000,
  users,
};
/** Three rounds; the first counted from format 1 parts (no expected figure). */
const trends: TrendsDocument = {
  formatVersion: 1,
  updatedAt: '2026-12-01T10:00:00.000Z',
  rounds: [
    { round: 0, scored: 630, retained: 563 },
    { round: 1, scored: 630, retained: 560, expectedRetained: 480.2 },
    { round: 2, scored: 640, retained: 570, expectedRetained: 476.9 },
  ],
};

let dashboard: Dashboard;
let page: Page;

beforeAll(async () => {
  dashboard = await startDashboard({ 'at-risk.json': atRisk, 'trends.json': trends, 'card.json': makeCardDocument() });
  // The list names users: the local server serves it only to a signed-in browser (one-time address).
  page = await dashboard.browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on('pageerror', (error) => dashboard.pageErrors.push(error.message));
  await page.goto(`${dashboard.server.newSignInUrl()}#at-risk`);
  await page.waitForSelector('tr[data-user-id]');
});

afterAll(async () => {
  await dashboard?.stop();
});

const shownIds = (p: Page) =>
  p.$$eval('#view-at-risk tr[data-user-id]', (rows) => rows.map((r) => Number(r.getAttribute('data-user-id'))));

describe('at-risk view', () => {
  it('lists the users least likely first, with their reasons in words', async () => {
    expect(await shownIds(page)).toEqual(users.map((u) => u.userId));
    const first = page.locator(`tr[data-user-id="${users[0]?.userId}"]`);
    expect(await first.locator('td').nth(0).textContent()).toBe('2.0%');
    expect(await first.locator('.reasons').textContent()).toContain('never used the PC app (\u22128 pts)');
    expect(await first.locator('.reasons').textContent()).toContain('ran an inspection once (+0.4 pts)');
    const third = page.locator(`tr[data-user-id="${users[3]?.userId}"] .reasons`);
    expect(await third.textContent()).toContain('used the PC app 3 times (\u22128 pts)');
    const none = page.locator(`tr[data-user-id="${users[2]?.userId}"] .reasons`);
    expect(await none.textContent()).toBe('no reasons given');
    expect(await page.locator('[data-testid="at-risk-summary"]').textContent()).toContain(
      'Round 6: the 40 users least likely to come back, of 900 scored',
    );
  });

  it('searches by user id and filters by industry and region', async () => {
    await page.fill('[data-filter="search"]', '10');
    const matching = users.filter((u) => String(u.userId).includes('10')).map((u) => u.userId);
    expect(matching.length).toBeGreaterThan(0);
    expect(matching.length).toBeLessThan(users.length);
    expect(await shownIds(page)).toEqual(matching);
    await page.fill('[data-filter="search"]', '');

    await page.selectOption('[data-filter="industry"]', 'BANK');
    expect(await shownIds(page)).toEqual(users.filter((u) => u.industry === 'BANK').map((u) => u.userId));
    await page.selectOption('[data-filter="region"]', 'US-CA');
    const both = users.filter((u) => u.industry === 'BANK' && u.region === 'US-CA').map((u) => u.userId);
    expect(await shownIds(page)).toEqual(both);
    expect(await page.locator('[data-testid="at-risk-count"]').textContent()).toBe(
      `Showing ${both.length} of 40 users.`,
    );
    expect(await page.locator('[data-filter="industry"] option').allTextContents()).toEqual([
      'All industries',
      ...[...INDUSTRIES].sort(),
    ]);
  });

  it('downloads exactly the rows shown as CSV, reasons in words', async () => {
    await page.selectOption('[data-filter="industry"]', 'HEALTH');
    await page.selectOption('[data-filter="region"]', '');
    const ids = await shownIds(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-action="download-csv"]')]);
    expect(download.suggestedFilename()).toBe('at-risk-round-6.csv');
    const text = readFileSync(await download.path(), 'utf8');
    const lines = text
      .replace(/^\ufeff/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe('user_id,probability,industry,region,reasons');
    expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(ids);
    const user = defined(
      users.find((u) => u.userId === ids[0]),
      'the first user shown',
    );
    const reasons = user.reasons ? 'used the PC app once (\u22128 pts); ran an inspection once (+0.4 pts)' : '';
    expect(lines[1]).toBe(`${user.userId},${user.probability},HEALTH,${user.region},${reasons}`);
    await page.selectOption('[data-filter="industry"]', '');
  });

  it('asks the reader to sign in when the list is refused, in place of an error', async () => {
    // 401: the local server itself, to a browser without a session. 403 is what CloudFront
    // answers without its signed cookies, which no emulator here produces: answered in the browser.
    for (const status of [401, 403]) {
      const refused = await dashboard.browser.newPage();
      if (status === 403)
        await refused.route('**/data/at-risk.json', (route) => route.fulfill({ status, body: 'sign in first' }));
      await refused.goto(`${dashboard.server.url}#at-risk`);
      await refused.waitForSelector('body[data-refreshes]');
      const state = refused.locator('#view-at-risk [data-state="sign-in"]');
      expect(await state.textContent()).toContain('Sign in to see users at risk');
      expect(await refused.locator('#view-at-risk [data-state="error"]').count()).toBe(0);
      await refused.close();
    }
  });
});

describe('expected retention and calibration', () => {
  it('draws the expected line beside the count above 0.5, labelled, with whole-number round labels', async () => {
    await page.click('#tab-trends');
    await page.waitForSelector('path[data-series="expected"]');
    const expected = await page.$$eval('circle[data-series="expected"]', (cs) =>
      cs.map((c) => [Number(c.getAttribute('data-round')), Number(c.getAttribute('data-value'))]),
    );
    // Round 0 has no expected figure: no point, not a point at 0.
    expect(expected).toEqual([
      [1, 480.2],
      [2, 476.9],
    ]);
    const legend = await page.locator('.trend-legend').textContent();
    expect(legend).toContain('expected to return (sum of probabilities)');
    expect(legend).toContain('predicted retained (probability \u2265 0.5)');
    const labels = await page.$$eval('svg.trend-chart > g:first-of-type .tick text', (ts) =>
      ts.map((t) => t.textContent),
    );
    expect(labels).toEqual(['0', '1', '2']);
    expect(await page.locator('[data-testid="trend-summary"]').textContent()).toContain(
      '477 expected to return (74.5%)',
    );
  });

  it('labels only whole rounds, each once, with two rounds too', async () => {
    await dashboard.putDocument('trends.json', { ...trends, rounds: trends.rounds.slice(1) });
    const two = await dashboard.open('#trends');
    const labels = await two.$$eval('svg.trend-chart > g:first-of-type .tick text', (ts) =>
      ts.map((t) => t.textContent),
    );
    expect(labels).toEqual(['1', '2']);
    await two.close();
    await dashboard.putDocument('trends.json', trends);
  });

  it('states the calibration on the model card as a reliability table', async () => {
    const card = makeCardDocument();
    const bins = defined(card.metrics.calibration, 'the fixture card calibration').bins;
    await page.click('#tab-card');
    const rows = await page.$$eval('[data-calibration-bin]', (rs) =>
      rs.map((r) => [
        Number(r.getAttribute('data-calibration-bin')),
        Number(r.getAttribute('data-mean-predicted')),
        Number(r.getAttribute('data-actual-share')),
      ]),
    );
    expect(rows).toEqual(bins.map((b) => [b.from, b.meanPredicted, b.actualShare]));
    expect(await page.locator('[data-testid="calibration"]').textContent()).toContain(
      'Mean predicted probability 67.4%; 67.0% of the test users came back.',
    );
    expect(dashboard.pageErrors).toEqual([]);
  });
});
