/**
 * Trends per round. Each batch writes its counts per round under a key made of the shard and
 * the batch's first sequence number, so a retried batch overwrites its own part instead of
 * adding to it; trends.json is rebuilt from all parts.
 *
 * Only the records before the batch's first failed record are counted: Lambda re-delivers
 * everything from the lowest reported failure on, so those records are counted by the retry.
 *
 * Format 2 parts add the sum of the probabilities (expected retained users: the count above
 * 0.5 overstates retention), the model version and the batch's least-likely users
 * (at-risk.ts). Format 1 parts still count; a round with one has no expected figure.
 */
import { leastLikely, parseAtRiskUsers, type AtRiskUser } from './at-risk.ts';

export interface RoundCount {
  readonly round: number;
  readonly scored: number;
  readonly retained: number;
  /** Sum of the probabilities; absent when a part counted into it had none (format 1). */
  readonly expectedRetained?: number;
}

export interface TrendPart extends RoundCount {
  readonly formatVersion: 1 | 2;
  readonly shardId: string;
  readonly firstSequenceNumber: string;
  readonly writtenAt: string;
  /** Format 2: the model that scored the batch. */
  readonly modelVersion?: string;
  /** Format 2: the batch's least-likely users of this round, at most the list size. */
  readonly atRisk?: readonly AtRiskUser[];
}

export interface TrendsDocument {
  readonly formatVersion: 1;
  readonly updatedAt: string;
  readonly rounds: RoundCount[];
}

export const TRENDS_PREFIX = 'predictions/trends/';
export const SITE_TRENDS_KEY = 'data/trends.json';

export function trendPartKey(round: number, shardId: string, firstSequenceNumber: string): string {
  return `${TRENDS_PREFIX}round=${round}/${shardId.replaceAll('/', '_')}-${firstSequenceNumber}.json`;
}

/** The round a part key belongs to, or undefined for any other key. */
export function roundOfPartKey(key: string): number | undefined {
  const match = /^predictions\/trends\/round=(\d+)\/[^/]+\.json$/.exec(key);
  return match ? Number(match[1]) : undefined;
}

/** Counts scored, retained and expected retained users per round, ascending by round. */
export function countByRound(
  results: Iterable<{ round: number; retained: boolean; probability: number }>,
): Required<RoundCount>[] {
  const counts = new Map<number, { scored: number; retained: number; expectedRetained: number }>();
  for (const r of results) {
    const c = counts.get(r.round) ?? { scored: 0, retained: 0, expectedRetained: 0 };
    c.scored++;
    if (r.retained) c.retained++;
    c.expectedRetained += r.probability;
    counts.set(r.round, c);
  }
  return [...counts]
    .sort((a, b) => a[0] - b[0])
    .map(([round, c]) => ({ round, ...c, expectedRetained: roundExpected(c.expectedRetained) }));
}

/** Sums of probabilities kept to 6 decimals: enough, and stable under re-summing in another order. */
const roundExpected = (sum: number) => Math.round(sum * 1e6) / 1e6;

/** Sequence numbers are decimal strings longer than a double's precision: compare as BigInt. */
function compareSequence(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The records that count in this batch's part: those before the lowest failed sequence number. */
export function countedPrefix<T extends { sequenceNumber: string }>(
  records: readonly T[],
  failed: readonly string[],
): T[] {
  if (failed.length === 0) return [...records];
  const lowest = failed.reduce((min, s) => (compareSequence(s, min) < 0 ? s : min));
  return records.filter((r) => compareSequence(r.sequenceNumber, lowest) < 0);
}

/** A batch's part for one round (format 2): its counts, its model and its least-likely users. */
export function trendPart(
  count: Required<RoundCount>,
  shardId: string,
  firstSequenceNumber: string,
  now: Date,
  batch: { readonly modelVersion: string; readonly atRisk: readonly AtRiskUser[] },
): TrendPart {
  return {
    formatVersion: 2,
    ...count,
    modelVersion: batch.modelVersion,
    atRisk: batch.atRisk,
    shardId,
    firstSequenceNumber,
    writtenAt: now.toISOString(),
  };
}

/** Adds one more part's counts to a round's running total (expected: only while every part has it). */
function addCount(total: RoundCount | undefined, part: RoundCount): RoundCount {
  if (!total) return point(part);
  const expected =
    total.expectedRetained === undefined || part.expectedRetained === undefined
      ? undefined
      : total.expectedRetained + part.expectedRetained;
  return point({
    ...total,
    scored: total.scored + part.scored,
    retained: total.retained + part.retained,
    expectedRetained: expected,
  });
}

/** A round's point as trends.json holds it: the counts, and the expected figure when known. */
function point(count: {
  round: number;
  scored: number;
  retained: number;
  expectedRetained?: number | undefined;
}): RoundCount {
  const { round, scored, retained, expectedRetained } = count;
  return expectedRetained === undefined
    ? { round, scored, retained }
    : { round, scored, retained, expectedRetained: roundExpected(expectedRetained) };
}

/** trends.json from every part: one point per round with its counts, rounds ascending. */
export function mergeTrends(parts: Iterable<RoundCount>, now: Date): TrendsDocument {
  const totals = new Map<number, RoundCount>();
  for (const p of parts) totals.set(p.round, addCount(totals.get(p.round), p));
  const rounds = [...totals.values()].sort((a, b) => a.round - b.round);
  return { formatVersion: 1, updatedAt: now.toISOString(), rounds };
}

/** A part read back from S3, checked (format 1 or 2). */
export function parseTrendPart(text: string, key: string): TrendPart {
  const part = JSON.parse(text) as Partial<TrendPart>;
  if (
    (part.formatVersion !== 1 && part.formatVersion !== 2) ||
    typeof part.round !== 'number' ||
    typeof part.scored !== 'number' ||
    typeof part.retained !== 'number' ||
    (part.formatVersion === 2 && typeof part.expectedRetained !== 'number')
  ) {
    throw new Error(`${key} is not a trend part (formatVersion 1 or 2, round, scored, retained, expectedRetained)`);
  }
  if (part.formatVersion === 1) return part as TrendPart;
  return { ...part, atRisk: parseAtRiskUsers(part.atRisk, key) } as TrendPart;
}

/** trends.json with one round's point replaced (or added) by a fresh count of that round. */
export function withRound(document: TrendsDocument, count: RoundCount, now: Date): TrendsDocument {
  const rounds = document.rounds.filter((r) => r.round !== count.round);
  rounds.push(point(count));
  rounds.sort((a, b) => a.round - b.round);
  return { formatVersion: 1, updatedAt: now.toISOString(), rounds };
}

/** Whether two points of a round differ (counts or expected figure). */
export function samePoint(a: RoundCount | undefined, b: RoundCount): boolean {
  return a?.scored === b.scored && a.retained === b.retained && a.expectedRetained === b.expectedRetained;
}

/**
 * What a round's point in trends.json was counted from: each part's ETag and counts, and the
 * round's at-risk list merged so far. The trends Lambda reads only the parts whose ETag
 * changed since, so a burst of N parts costs N part reads in all, not one recount of the
 * round per part. A part rewritten (a redelivered batch) or gone may have taken users out of
 * the list, which a bounded list cannot undo: then the round is read again whole.
 */
export interface RoundLedger {
  readonly formatVersion: 2;
  readonly round: number;
  readonly parts: Readonly<Record<string, CountedPart>>;
  readonly atRisk: readonly AtRiskUser[];
}

interface CountedPart {
  readonly eTag: string;
  readonly scored: number;
  readonly retained: number;
  readonly expectedRetained?: number;
  readonly modelVersion?: string;
}

/** Where the trends Lambda keeps a round's ledger (outside the notified prefix). */
export const roundLedgerKey = (round: number) => `predictions/trends-counted/round=${round}.json`;

export const emptyLedger = (round: number): RoundLedger => ({ formatVersion: 2, round, parts: {}, atRisk: [] });

/** A ledger read back; anything else (an older format, another round) counts as empty: every part is read again. */
export function ledgerFrom(value: unknown, round: number): RoundLedger {
  const ledger = (value ?? {}) as Partial<RoundLedger>;
  const valid =
    ledger.formatVersion === 2 &&
    ledger.round === round &&
    typeof ledger.parts === 'object' &&
    Array.isArray(ledger.atRisk);
  return valid && ledger.parts !== null ? (ledger as RoundLedger) : emptyLedger(round);
}

/** The listed parts whose ETag differs from the ledger's (new or rewritten). */
export function partsToRead(ledger: RoundLedger, listed: readonly { key: string; etag: string }[]): string[] {
  return listed.filter((o) => ledger.parts[o.key]?.eTag !== o.etag).map((o) => o.key);
}

/** True when a counted part was rewritten or is gone: the round's list must be merged again from every part. */
export function needsWholeRound(
  ledger: RoundLedger,
  listedKeys: readonly string[],
  changed: readonly string[],
): boolean {
  const listed = new Set(listedKeys);
  return (
    changed.some((key) => ledger.parts[key] !== undefined) || Object.keys(ledger.parts).some((key) => !listed.has(key))
  );
}

/** The ledger with the parts just read, keeping only keys still listed; the list merged with theirs. */
export function updateLedger(
  ledger: RoundLedger,
  listedKeys: readonly string[],
  read: readonly { key: string; eTag: string; part: RoundCount & Pick<TrendPart, 'modelVersion' | 'atRisk'> }[],
  atRiskSize: number,
): RoundLedger {
  const parts: Record<string, CountedPart> = {};
  for (const key of listedKeys) {
    const kept = ledger.parts[key];
    if (kept) parts[key] = kept;
  }
  for (const { key, eTag, part } of read) {
    const { scored, retained, expectedRetained, modelVersion } = part;
    parts[key] = {
      eTag,
      scored,
      retained,
      ...(expectedRetained === undefined ? {} : { expectedRetained }),
      ...(modelVersion === undefined ? {} : { modelVersion }),
    };
  }
  const atRisk = leastLikely([...ledger.atRisk, ...read.flatMap((r) => r.part.atRisk ?? [])], atRiskSize);
  return { formatVersion: 2, round: ledger.round, parts, atRisk };
}

/** The round's point: the sum of its counted parts. */
export function ledgerTotal(ledger: RoundLedger): RoundCount {
  const start: RoundCount = { round: ledger.round, scored: 0, retained: 0, expectedRetained: 0 };
  return Object.values(ledger.parts).reduce<RoundCount>(
    (total, part) => addCount(total, { round: ledger.round, ...part }),
    start,
  );
}

/** The S3 event's key as stored (events carry it form-encoded: `+` for space, `%3D` for `=`). */
export function decodeEventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}
