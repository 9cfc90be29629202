/**
 * The truth files agree with the next week's activity, and the data carries real signal:
 * neither noise (AUC 0.5) nor a give-away (AUC 1).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { activeUsers, auc, demo, truthRows, type Demo } from './fixtures.ts';
import { defined } from '#test/support/defined.ts';

describe('seed truth and signal', () => {
  let d: Demo;
  beforeAll(async () => {
    d = await demo({ users: 1000, weeks: 3, seed: 1 });
  });

  it('lists exactly the users active in the week, with probabilities in (0, 1) and 0/1 labels', () => {
    for (const week of ['0', '1', '2']) {
      const truth = truthRows(d, `truth_week${week}.tsv`);
      expect(new Set(truth.keys())).toEqual(activeUsers(d, `user_events_week${week}.log`));
      for (const [p, a] of truth.values()) {
        expect(p > 0 && p < 1).toBe(true);
        expect([0, 1]).toContain(a);
      }
    }
  });

  it("makes next week's users exactly the retained ones, those returning after an absence, and the new sign-ups", () => {
    for (const week of [0, 1]) {
      const truth = truthRows(d, `truth_week${week}.tsv`);
      const next = activeUsers(d, `user_events_week${week + 1}.log`);
      for (const [user, [, retained]] of truth)
        expect(next.has(user), `user ${user} week ${week}`).toBe(retained === 1);
      const { signedUp } = d.week(week);
      const returning = [...next].filter((u) => !truth.has(u) && u <= signedUp);
      const joined = [...next].filter((u) => u > signedUp);
      expect(returning.length).toBe(d.week(week).returning);
      expect(joined.length).toBe(d.week(week + 1).newUsers);
      // New ids follow the last signed-up one.
      expect(Math.max(...joined)).toBe(d.week(week + 1).signedUp);
      expect(returning.length / next.size).toBeLessThan(0.35);
    }
  });

  it('keeps the weekly active share of signed-up users in a band over 5 weeks (sign-ups and returns make up for leavers)', async () => {
    const five = await demo({ users: 1000, weeks: 5, seed: 1 });
    const shares = five.result.weeks.map((w) => w.activeUsers / w.signedUp);
    for (const share of shares) {
      expect(share).toBeGreaterThan(0.55);
      expect(share).toBeLessThan(0.8);
    }
    expect(Math.max(...shares) - Math.min(...shares)).toBeLessThan(0.12);
    // The active base does not shrink week after week: the last week has about as many as the second.
    const active = five.result.weeks.map((w) => w.activeUsers);
    expect(active.at(-1)).toBeGreaterThan(0.95 * (active[1] ?? 0));
  });

  it('keeps earlier weeks byte for byte when a run with a longer horizon adds weeks', async () => {
    const short = await demo({ users: 300, weeks: 2, seed: 4, horizonWeeks: 6, dirty: 0.02 });
    const long = await demo({ users: 300, weeks: 4, seed: 4, horizonWeeks: 6, dirty: 0.02 });
    for (const name of ['nosql_user_profile.data', 'crm_info.data', 'user_events_week0.log', 'user_events_week1.log'])
      expect(Buffer.compare(short.bytes(name), long.bytes(name)), name).toBe(0);
  });

  it('retains 60–85% of active users a week', () => {
    for (const w of d.result.weeks) {
      expect(w.retained / w.activeUsers).toBeGreaterThan(0.6);
      expect(w.retained / w.activeUsers).toBeLessThan(0.85);
    }
  });

  it('gives the true probabilities an AUC of 0.8–0.95 against what happened', () => {
    for (const week of ['0', '1']) {
      const rows = [...truthRows(d, `truth_week${week}.tsv`).values()];
      const value = auc(
        rows.map((r) => r[0]),
        rows.map((r) => r[1]),
      );
      expect(value).toBeGreaterThan(0.8);
      expect(value).toBeLessThan(0.95);
    }
  });

  it('retains busy users far more often than quiet ones (visible signal in the events)', () => {
    const truth = truthRows(d, 'truth_week0.tsv');
    const events = new Map<number, number>();
    const cancels = new Map<number, number>();
    for (const line of d.lines('user_events_week0.log')) {
      const f = line.split('\t');
      const u = Number(f[1]);
      events.set(u, (events.get(u) ?? 0) + 1);
      if (f[5] === 'CANCEL_INSPECTION') cancels.set(u, (cancels.get(u) ?? 0) + 1);
    }
    // A user of the truth file missing from the log has 0 events (none is: truth lists the active users).
    const eventsOf = (u: number) => events.get(u) ?? 0;
    const users = [...truth.keys()].sort((a, b) => eventsOf(a) - eventsOf(b));
    const quarter = Math.floor(users.length / 4);
    const retention = (list: number[]) =>
      list.reduce((n, u) => n + defined(truth.get(u), `user ${u} in the truth`)[1], 0) / list.length;
    const quiet = retention(users.slice(0, quarter));
    const busy = retention(users.slice(-quarter));
    expect(busy - quiet).toBeGreaterThan(0.35);
    // The event-type mix matters too: a high share of cancelled inspections means leaving.
    const cancelShare = (u: number) => (cancels.get(u) ?? 0) / eventsOf(u);
    const byCancel = [...truth.keys()].filter((u) => eventsOf(u) >= 5).sort((a, b) => cancelShare(a) - cancelShare(b));
    const q = Math.floor(byCancel.length / 4);
    expect(retention(byCancel.slice(0, q)) - retention(byCancel.slice(-q))).toBeGreaterThan(0.1);
  });

  it('lets a simple score of the visible events reach a useful AUC, short of the truth', () => {
    const truth = truthRows(d, 'truth_week0.tsv');
    const counts = new Map<number, [number, number]>(); // events, (customize + share) − cancel
    for (const line of d.lines('user_events_week0.log')) {
      const f = line.split('\t');
      const c = counts.get(Number(f[1])) ?? [0, 0];
      c[0]++;
      if (f[5] === 'SHARE_TPL' || f[5] === 'SHARE_REPORT' || f[5] === 'CUSTOMIZE_TPL') c[1]++;
      if (f[5] === 'CANCEL_INSPECTION') c[1]--;
      counts.set(Number(f[1]), c);
    }
    const users = [...truth];
    const labels = users.map(([, [, label]]) => label);
    const visible = auc(
      users.map(([u]) => {
        const [n, mix] = defined(counts.get(u), `user ${u} in the week's events`);
        return Math.log(n) + (1.5 * mix) / n;
      }),
      labels,
    );
    const best = auc(
      users.map(([, [p]]) => p),
      labels,
    );
    expect(visible).toBeGreaterThan(0.7);
    expect(visible).toBeLessThan(0.86);
    expect(best - visible).toBeGreaterThan(0.03);
  });
});
