/**
 * Counting in large batches regrouped by user (batch-counter.ts) against a plain count
 * written here line by line: many users (several groups of slots), batches that grow and
 * end mid-way, earliest-event ties across batches and groups, counts past 16 bits.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CATEGORIES } from '#core/schema.ts';
import { extractEvents, type UserCounts } from '#core/extraction/index.ts';
import { weekSpan } from '#core/weeks.ts';

const { start } = weekSpan('0');
const enc = new TextEncoder();
const { platform: PLATFORMS, event_type: TYPES } = DEFAULT_CATEGORIES;

interface Event {
  user: number;
  company: number;
  platform: number;
  type: number;
  dt: number;
}

/** xorshift32, so a failure repeats. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** The counts a line-by-line reading gives: the company of the first line with the earliest time. */
function reference(events: readonly Event[]): UserCounts[] {
  const users = new Map<number, { userId: number; companyId: number; firstEventTime: number; counts: number[] }>();
  for (const e of events) {
    let u = users.get(e.user);
    if (u === undefined) {
      u = { userId: e.user, companyId: e.company, firstEventTime: start + e.dt, counts: new Array<number>(12).fill(0) };
      users.set(e.user, u);
    }
    u.counts[e.platform]!++;
    u.counts[PLATFORMS.length + e.type]!++;
    if (start + e.dt < u.firstEventTime) Object.assign(u, { firstEventTime: start + e.dt, companyId: e.company });
  }
  return [...users.values()].sort((a, b) => a.userId - b.userId);
}

const line = (e: Event, i: number) =>
  `${i}\t${e.user}\t${e.company}\t${PLATFORMS[e.platform]}\t${start + e.dt}\t${TYPES[e.type]}\t0\n`;

async function extracted(events: readonly Event[], chunkLines: number): Promise<UserCounts[]> {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < events.length; i += chunkLines) {
    chunks.push(
      enc.encode(
        events
          .slice(i, i + chunkLines)
          .map((e, k) => line(e, i + k))
          .join(''),
      ),
    );
  }
  const agg = await extractEvents([{ name: 'w.log', chunks }], { week: '0' });
  expect(agg.lineCounts.accepted).toBe(events.length);
  return [...agg.users()];
}

describe('batched counting', () => {
  it('matches a line-by-line count with 12k users over many batches and groups of users', async () => {
    const rnd = random(11);
    const events: Event[] = [];
    for (let i = 0; i < 120_000; i++) {
      const user = Math.floor(rnd() ** 2 * 12_000) * 7 + 3; // uneven: some users in every batch, some once
      events.push({
        user,
        company: Math.floor(rnd() * 50),
        platform: Math.floor(rnd() * PLATFORMS.length),
        type: Math.floor(rnd() * TYPES.length),
        dt: Math.floor(rnd() * 2000), // many ties on the earliest second
      });
    }
    expect(await extracted(events, 7919)).toEqual(reference(events));
  });

  it('keeps counting past 65,535 events of one kind for a user, across batches', async () => {
    const events: Event[] = [];
    for (let i = 0; i < 140_000; i++) {
      events.push({
        user: i % 3 === 0 ? 5 : 5000 + (i % 9000),
        company: i % 4,
        platform: 1,
        type: 2,
        dt: 9 - (i % 10),
      });
    }
    const ours = await extracted(events, 65_536);
    expect(ours.find((u) => u.userId === 5)?.counts[1]).toBe(46_667);
    expect(ours).toEqual(reference(events));
  });
});
