/**
 * Trends per round. Each batch writes its counts per round under a key made of the shard and
 * the batch's first sequence number, so a retried batch overwrites its own part instead of
 * adding to it; trends.json is rebuilt from all parts.
 *
 * Only the records before the batch's first failed record are counted: Lambda re-delivers
 * everything from the lowest reported failure on, so those records are counted by the retry.
 */
export interface RoundCount {
  readonly round: number;
  readonly scored: number;
  readonly retained: number;
}

export interface TrendPart extends RoundCount {
  readonly formatVersion: 1;
  readonly shardId: string;
  readonly firstSequenceNumber: string;
  readonly writtenAt: string;
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

/** Counts scored and retained users per round, ascending by round. */
export function countByRound(results: Iterable<{ round: number; retained: boolean }>): RoundCount[] {
  const counts = new Map<number, { scored: number; retained: number }>();
  for (const r of results) {
    const c = counts.get(r.round) ?? { scored: 0, retained: 0 };
    c.scored++;
    if (r.retained) c.retained++;
    counts.set(r.round, c);
  }
  return [...counts].sort((a, b) => a[0] - b[0]).map(([round, c]) => ({ round, ...c }));
}

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

export function trendPart(count: RoundCount, shardId: string, firstSequenceNumber: string, now: Date): TrendPart {
  return { formatVersion: 1, ...count, shardId, firstSequenceNumber, writtenAt: now.toISOString() };
}

/** trends.json from every part: one point per round with both counts, rounds ascending. */
export function mergeTrends(parts: Iterable<RoundCount>, now: Date): TrendsDocument {
  const totals = new Map<number, { scored: number; retained: number }>();
  for (const p of parts) {
    const t = totals.get(p.round) ?? { scored: 0, retained: 0 };
    t.scored += p.scored;
    t.retained += p.retained;
    totals.set(p.round, t);
  }
  const rounds = [...totals].sort((a, b) => a[0] - b[0]).map(([round, t]) => ({ round, ...t }));
  return { formatVersion: 1, updatedAt: now.toISOString(), rounds };
}

/** A part read back from S3, checked. */
export function parseTrendPart(text: string, key: string): TrendPart {
  const part = JSON.parse(text) as Partial<TrendPart>;
  if (
    part.formatVersion !== 1 ||
    typeof part.round !== 'number' ||
    typeof part.scored !== 'number' ||
    typeof part.retained !== 'number'
  ) {
    throw new Error(`${key} is not a trend part (formatVersion 1, round, scored, retained)`);
  }
  return part as TrendPart;
}

/** trends.json with one round's point replaced (or added) by a fresh count of that round. */
export function withRound(document: TrendsDocument, point: RoundCount, now: Date): TrendsDocument {
  const rounds = document.rounds.filter((r) => r.round !== point.round);
  rounds.push({ round: point.round, scored: point.scored, retained: point.retained });
  rounds.sort((a, b) => a.round - b.round);
  return { formatVersion: 1, updatedAt: now.toISOString(), rounds };
}

/**
 * What a round's point in trends.json was counted from: each part's ETag and counts. The
 * trends Lambda reads only the parts whose ETag changed since, so a burst of N parts costs
 * N part reads in all, not one recount of the round per part.
 */
export interface RoundLedger {
  readonly formatVersion: 1;
  readonly round: number;
  readonly parts: Readonly<Record<string, CountedPart>>;
}

interface CountedPart {
  readonly eTag: string;
  readonly scored: number;
  readonly retained: number;
}

/** Where the trends Lambda keeps a round's ledger (outside the notified prefix). */
export const roundLedgerKey = (round: number) => `predictions/trends-counted/round=${round}.json`;

const emptyLedger = (round: number): RoundLedger => ({ formatVersion: 1, round, parts: {} });

/** A ledger read back; anything else (an older format, another round) counts as empty: every part is read again. */
export function ledgerFrom(value: unknown, round: number): RoundLedger {
  const ledger = (value ?? {}) as Partial<RoundLedger>;
  const valid = ledger.formatVersion === 1 && ledger.round === round && typeof ledger.parts === 'object';
  return valid && ledger.parts !== null ? (ledger as RoundLedger) : emptyLedger(round);
}

/** The listed parts whose ETag differs from the ledger's (new or rewritten). */
export function partsToRead(ledger: RoundLedger, listed: readonly { key: string; etag: string }[]): string[] {
  return listed.filter((o) => ledger.parts[o.key]?.eTag !== o.etag).map((o) => o.key);
}

/** The ledger with the parts just read, keeping only keys still listed. */
export function updateLedger(
  ledger: RoundLedger,
  listedKeys: readonly string[],
  read: readonly { key: string; eTag: string; part: RoundCount }[],
): RoundLedger {
  const parts: Record<string, CountedPart> = {};
  for (const key of listedKeys) {
    const kept = ledger.parts[key];
    if (kept) parts[key] = kept;
  }
  for (const { key, eTag, part } of read) parts[key] = { eTag, scored: part.scored, retained: part.retained };
  return { formatVersion: 1, round: ledger.round, parts };
}

/** The round's point: the sum of its counted parts. */
export function ledgerTotal(ledger: RoundLedger): RoundCount {
  let scored = 0;
  let retained = 0;
  for (const part of Object.values(ledger.parts)) {
    scored += part.scored;
    retained += part.retained;
  }
  return { round: ledger.round, scored, retained };
}

/** The S3 event's key as stored (events carry it form-encoded: `+` for space, `%3D` for `=`). */
export function decodeEventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}
