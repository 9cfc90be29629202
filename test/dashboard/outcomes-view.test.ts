/**
 * The Outcomes view in headless Chromium, from an outcomes.json the core computes out of kept
 * predictions and next weeks' actives: one row per week with its numbers, the realized AUC
 * drawn against the gate floor's line, a week below the floor flagged in chart and table;
 * without the document, an empty state that says when weeks get judged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { weekOutcome, withWeekOutcome, type OutcomesDocument } from '#core/prediction/outcomes.ts';
import type { ScoredPart } from '#core/prediction/scored.ts';
import { startDashboard, type Dashboard } from './dashboard-harness.ts';
import { defined } from '#test/support/defined.ts';

const FLOOR = 0.55;

/** 40 users scored in `week`: with `right`, the likely ones came back; otherwise the reverse. */
function judged(week: number, right: boolean, version: string) {
  const users = Array.from({ length: 40 }, (_, i) => ({
    userId: i + 1,
    probability: (i + 0.5) / 40,
    modelVersion: version,
  }));
  const part: ScoredPart = { formatVersion: 1, week, shardId: 's', firstSequenceNumber: '1', writtenAt: 't', users };
  const back = new Set(
    users.filter((u, i) => (right ? u.probability > 0.4 : u.probability < 0.4) || i % 7 === 0).map((u) => u.userId),
  );
  return defined(weekOutcome(week, [part], back, FLOOR), `week ${week}'s outcome`);
}

const doc: OutcomesDocument = [judged(0, true, 'v1'), judged(1, false, 'v1'), judged(2, true, 'v2')].reduce<
  OutcomesDocument | undefined
>((d, o) => withWeekOutcome(d, o, FLOOR), undefined) as OutcomesDocument;

let dashboard: Dashboard;
let page: Page;

beforeAll(async () => {
  dashboard = await startDashboard({ 'outcomes.json': doc });
  page = await dashboard.open('#outcomes');
});
afterAll(() => dashboard?.stop());

describe('outcomes view', () => {
  it('lists every week with scored, expected and actual retained, realized AUC and model version', async () => {
    const rows = await page.$$eval('[data-testid="outcomes-table"] tr[data-week]', (trs) =>
      trs.map((tr) => ({
        week: tr.getAttribute('data-week'),
        below: tr.classList.contains('below-floor'),
        cells: [...tr.querySelectorAll('th, td')].map((c) => c.textContent),
      })),
    );
    expect(rows).toHaveLength(3);
    for (const [i, w] of doc.weeks.entries()) {
      const row = defined(rows[i], `row ${i}`);
      expect(row.week).toBe(String(w.week));
      expect(row.below).toBe(w.belowFloor);
      expect(row.cells.slice(0, 4)).toEqual([
        `${w.week} → ${w.week + 1}`,
        String(w.usersScored),
        w.expectedRetained.toFixed(1),
        String(w.actualRetained),
      ]);
      expect(row.cells[4]).toContain(defined(w.realizedAuc, 'an AUC').toFixed(3));
      expect(row.cells[5]).toBe(`${w.modelVersions[0]?.version} (40)`);
    }
    // The fixture's week 1 was predicted backwards: below the floor, and said so.
    expect(doc.weeks.map((w) => w.belowFloor)).toEqual([false, true, false]);
    expect(rows[1]?.cells[4]).toContain('below the floor');
  });

  it('draws the realized AUC against the floor line, the week below it marked', async () => {
    const floor = page.locator('svg.outcomes-chart g.floor');
    expect(await floor.getAttribute('data-floor')).toBe(String(FLOOR));
    expect(await floor.locator('text').textContent()).toBe('gate floor 0.550');
    const floorY = Number(await floor.locator('line').getAttribute('y1'));
    const points = await page.$$eval('svg.outcomes-chart circle', (cs) =>
      cs.map((c) => ({
        week: c.getAttribute('data-week'),
        below: c.classList.contains('below-floor'),
        y: Number(c.getAttribute('cy')),
      })),
    );
    expect(points.map((p) => [p.week, p.below])).toEqual([
      ['0', false],
      ['1', true],
      ['2', false],
    ]);
    // SVG y grows downwards: above the floor is a smaller y.
    for (const p of points) expect(p.below ? p.y > floorY : p.y < floorY, `week ${p.week}`).toBe(true);
    expect(await page.locator('[data-testid="outcomes-summary"]').textContent()).toContain(
      '1 week(s) below the floor: 1',
    );
    expect(dashboard.pageErrors).toEqual([]);
  });

  it('says when weeks get judged while there is no outcomes.json', async () => {
    await dashboard.deleteDocument('outcomes.json');
    const empty = await dashboard.open('#outcomes');
    await empty.waitForSelector('#view-outcomes [data-state="empty"]');
    expect(await empty.locator('#view-outcomes').textContent()).toContain('once the week after it is extracted');
  });
});
