/**
 * Poison records of every kind a producer can get wrong, with the reason code the predict
 * handler should give each, and a burst that mixes them into good records at a fixed rate.
 * Used by the local-cloud prediction benchmark and by the tests that drain such a burst.
 */
import type { PredictionRecord } from '#core/prediction/record.ts';

interface PoisonKind {
  /** What is wrong with the record, for a table row. */
  readonly name: string;
  /** The reason code the poison message should carry. */
  readonly code: string;
  /** The record's bytes; `n` makes each one different. */
  data(n: number): Uint8Array;
}

const encoder = new TextEncoder();
const json = (value: unknown) => encoder.encode(JSON.stringify(value));

/** A record that is right except for `change` applied to a copy of its features. */
function withFeatures(good: PredictionRecord, change: (features: Record<string, unknown>) => void): Uint8Array {
  const features: Record<string, unknown> = { ...good.features };
  change(features);
  return json({ ...good, features });
}

/** A JSON text `depth` arrays deep: parses, but recursion over it (stringify, a walk) may not. */
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** Bytes that are not UTF-8 (0xff never appears in it), with some text around them. */
function binary(n: number): Uint8Array {
  const bytes = new Uint8Array(64);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (n * 31 + i * 17) & 0xff;
  bytes[0] = 0xff;
  return bytes;
}

/** Every kind, each built around `good`, a valid record of the same burst. */
function poisonKinds(good: PredictionRecord): PoisonKind[] {
  const { round } = good;
  return [
    { name: 'empty', code: 'empty', data: () => new Uint8Array(0) },
    { name: 'not JSON', code: 'invalid_json', data: (n) => encoder.encode(`not json at all #${n}`) },
    { name: 'truncated JSON', code: 'invalid_json', data: (n) => encoder.encode(`{"userId": ${n}, "round": `) },
    { name: 'binary', code: 'invalid_utf8', data: binary },
    { name: 'huge (~900 KB)', code: 'too_large', data: (n) => json({ userId: n, round, pad: 'x'.repeat(900_000) }) },
    { name: 'large (120 KB)', code: 'too_large', data: (n) => json({ userId: n, round, pad: 'y'.repeat(120_000) }) },
    {
      name: 'deeply nested (7,000 arrays)',
      code: 'bad_user_id',
      data: () => encoder.encode(`{"userId": ${nested(7000)}, "round": ${round}, "features": {}}`),
    },
    { name: 'a JSON array', code: 'not_an_object', data: (n) => json([n, round]) },
    { name: 'JSON null', code: 'not_an_object', data: () => encoder.encode('null') },
    { name: 'userId as text', code: 'bad_user_id', data: (n) => json({ ...good, userId: `user-${n}` }) },
    { name: 'negative round', code: 'bad_round', data: () => json({ ...good, round: -1 }) },
    { name: 'features as an array', code: 'missing_features', data: () => json({ ...good, features: [1, 2] }) },
    { name: 'a feature missing', code: 'missing_feature', data: () => withFeatures(good, (f) => delete f.pc) },
    { name: 'an extra feature', code: 'unknown_feature', data: () => withFeatures(good, (f) => (f.mood = 3)) },
    { name: 'a count as text', code: 'bad_value', data: () => withFeatures(good, (f) => (f.pc = 'lots')) },
    {
      name: 'an unknown category',
      code: 'unknown_category',
      data: () => withFeatures(good, (f) => (f.region = 'MARS')),
    },
  ];
}

export interface BurstEntry {
  readonly PartitionKey: string;
  readonly Data: Uint8Array;
  /** The good record, or the poison kind this entry is. */
  readonly good?: PredictionRecord;
  readonly poison?: PoisonKind;
}

/**
 * The records as stream entries: every `poisonEvery`-th one poison, the kinds in turn (a poison
 * entry's partition key is `poison-<round>-<index>`), the others good (partition key = userId).
 */
export function burstWithPoison(records: readonly PredictionRecord[], poisonEvery = 100): BurstEntry[] {
  const [first] = records;
  if (first === undefined) return [];
  const kinds = poisonKinds(first);
  return records.map((good, i) => {
    if (i % poisonEvery !== poisonEvery - 1) return { PartitionKey: String(good.userId), Data: json(good), good };
    const kind = kinds[Math.floor(i / poisonEvery) % kinds.length] ?? kinds[0];
    if (kind === undefined) throw new Error('no poison kinds');
    return { PartitionKey: `poison-${good.round}-${i}`, Data: kind.data(i), poison: kind };
  });
}
