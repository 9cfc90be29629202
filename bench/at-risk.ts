/**
 * What the at-risk list costs, in this process, beside what the same step cost before it:
 *
 * 1. Predict, per batch of 500 results: the trend parts with counts and the batch's
 *    least-likely users (batchTrendParts, list size 1,000) against counting alone
 *    (countByRound, what a batch did before); and the part's size, format 2 against format 1.
 * 2. Trends, per part read: merging a part's 500 users into a round's full list of 1,000
 *    (leastLikely) against parsing that part's JSON (which the Lambda did already).
 * 3. data/at-risk.json's size for 1,000 users with 3 reasons each.
 * Ratios are measured in the same run; the load average is printed beside them.
 */
import os from 'node:os';
import { batchTrendParts } from '#core/prediction/batch-trends.ts';
import { atRiskDocument, atRiskUser, leastLikely, type ScoredUser } from '#core/prediction/at-risk.ts';
import { countByRound } from '#core/prediction/trends.ts';
import { predictionResult } from '#core/prediction/result.ts';
import { DEFAULT_CATEGORIES } from '#core/schema.ts';
import type { BenchOptions } from './run.ts';
import { present, random } from './_shared.ts';

const BATCH = 500;
const LIST = 1000;
const FEATURES = ['pc', 'inspect', 'age', 'view_report', 'region'];

function scoredUsers(count: number, seed: number): Map<string, ScoredUser> {
  const rand = random(seed);
  const pick = <T>(list: readonly T[]) => present(list[Math.floor(rand() * list.length)], 'a value');
  const at = new Date();
  const users = new Map<string, ScoredUser>();
  for (let i = 0; i < count; i++) {
    const reasons = Array.from({ length: 3 }, () => ({
      feature: pick(FEATURES),
      value: Math.floor(rand() * 20),
      contribution: Math.round((rand() - 0.5) * 1e6) / 1e7,
    }));
    const result = predictionResult(seed * 100_000 + i, 3, rand(), 'v20261202-abcdef12', at, { week: 1, reasons });
    const industry = pick(DEFAULT_CATEGORIES.industry);
    const region = pick(DEFAULT_CATEGORIES.region);
    users.set(String(10n ** 20n + BigInt(i)), { result, industry, region });
  }
  return users;
}

/** Mean milliseconds per call over enough calls to take ~`budgetMs`, after a warm-up. */
function timed(fn: () => unknown, budgetMs: number): number {
  for (let i = 0; i < 20; i++) fn();
  let calls = 0;
  const started = performance.now();
  while (performance.now() - started < budgetMs) {
    fn();
    calls++;
  }
  return (performance.now() - started) / calls;
}

const load = () =>
  `load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
const ms = (v: number) => `${v.toFixed(3)} ms`;

export async function run(opts: BenchOptions): Promise<void> {
  const budget = opts.quick ? 300 : 2000;
  const scored = scoredUsers(BATCH, 1);
  const batch = { shardId: 'shardId-000000000000', firstSequenceNumber: '1', scored, failed: [], atRiskSize: LIST };
  const results = [...scored.values()].map((u) => u.result);
  const at = new Date();

  console.log(`(${load()} before)`);
  const count = timed(() => countByRound(results), budget);
  const parts = timed(() => batchTrendParts({ ...batch, modelVersion: 'v' }, at), budget);
  const [part] = batchTrendParts({ ...batch, modelVersion: 'v' }, at);
  const v2 = JSON.stringify(part);
  const v1 = JSON.stringify({
    formatVersion: 1,
    round: 3,
    scored: 500,
    retained: 250,
    shardId: 'shardId-000000000000',
    firstSequenceNumber: '1',
    writtenAt: at.toISOString(),
  });
  console.log(
    `predict, per batch of ${BATCH}: counting only ${ms(count)}; counts + least-likely users ${ms(parts)} (× ${(parts / count).toFixed(1)})`,
  );
  console.log(`trend part: format 1 ${v1.length} B; format 2 ${v2.length} B (${BATCH} users with 3 reasons)`);

  const list = leastLikely([...scoredUsers(LIST * 2, 2).values()].map(atRiskUser), LIST);
  const partUsers = part?.atRisk ?? [];
  const parse = timed(() => JSON.parse(v2), budget);
  const merge = timed(() => leastLikely([...list, ...partUsers], LIST), budget);
  console.log(
    `trends, per part: parsing it ${ms(parse)}; merging its ${partUsers.length} users into a list of ${LIST} ${ms(merge)} (× ${(merge / parse).toFixed(1)} of the parse)`,
  );

  const doc = JSON.stringify(atRiskDocument(3, 'v20261202-abcdef12', 100_000, list, LIST, at)) + '\n';
  console.log(
    `data/at-risk.json: ${LIST} users with 3 reasons each: ${(doc.length / 1024).toFixed(1)} KiB (${Math.round(doc.length / LIST)} B a user)`,
  );
  console.log(`(${load()} after)`);
}
