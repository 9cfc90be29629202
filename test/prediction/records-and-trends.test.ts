/** The pure rules of prediction: poison reasons, deterministic result ids, trend counting and merging. */
import { describe, expect, it } from 'vitest';
import {
  parseRecord,
  resultId,
  predictionResult,
  countByRound,
  countedPrefix,
  mergeTrends,
  trendPartKey,
  roundOfPartKey,
  modelFeatures,
  poisonEnvelope,
  type PoisonMessage,
} from '#core/prediction/index.ts';
import { ledgerFrom, ledgerTotal, partsToRead, updateLedger } from '#core/prediction/trends.ts';
import { features } from './fixtures.ts';

const schema = modelFeatures({});
const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const reasonOf = (value: unknown) => {
  const p = parseRecord(bytes(value), schema);
  return p.ok ? 'ok' : p.reason.code;
};

describe('record validation against the model schema', () => {
  it('accepts a record by feature name and builds the row in model order (categories as indices)', () => {
    const p = parseRecord(bytes({ userId: 7, round: 2, features: features(7) }), schema);
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    expect(p.row.length).toBe(17);
    expect(p.row[0]).toBe(1); // industry AIRPLANE = index 1 (7 % 6)
    expect(p.row[schema.findIndex((f) => f.name === 'pc')]).toBe(1);
  });

  it('keeps the week a record names, and leaves it out when the record has none', () => {
    const withWeek = parseRecord(bytes({ userId: 7, round: 2, week: 4, features: features(7) }), schema);
    const without = parseRecord(bytes({ userId: 7, round: 2, features: features(7) }), schema);
    expect(withWeek.ok && withWeek.record.week).toBe(4);
    expect(without.ok && 'week' in without.record).toBe(false);
  });

  it('names the reason of each kind of poison record', () => {
    const good = features(1);
    expect(reasonOf('{"userId": 1,')).toBe('invalid_json');
    expect(reasonOf([1, 2])).toBe('not_an_object');
    expect(reasonOf({ userId: -1, round: 0, features: good })).toBe('bad_user_id');
    expect(reasonOf({ userId: 1, round: 'x', features: good })).toBe('bad_round');
    expect(reasonOf({ userId: 1, round: 0, week: 1.5, features: good })).toBe('bad_week');
    expect(reasonOf({ userId: 1, round: 0 })).toBe('missing_features');
    const { age: _age, ...noAge } = good;
    expect(reasonOf({ userId: 1, round: 0, features: noAge })).toBe('missing_feature');
    expect(reasonOf({ userId: 1, round: 0, features: { ...good, shoe_size: 3 } })).toBe('unknown_feature');
    expect(reasonOf({ userId: 1, round: 0, features: { ...good, pc: 'many' } })).toBe('bad_value');
    expect(reasonOf({ userId: 1, round: 0, features: { ...good, region: 'MARS' } })).toBe('unknown_category');
    expect(parseRecord(new Uint8Array([0xff, 0xfe, 0x00]), schema)).toMatchObject({
      ok: false,
      reason: { code: 'invalid_utf8' },
    });
  });

  it('keeps the original data in the poison message, with text only when printable', () => {
    const messageOf = (data: Uint8Array, code: 'invalid_json' | 'invalid_utf8') => {
      const source = { shardId: 's', sequenceNumber: '1', partitionKey: '1', arrivedAt: new Date(0) };
      const dataBase64 = Buffer.from(data).toString('base64');
      const envelope = poisonEnvelope({ code, detail: 'x' }, { ...source, data, dataBase64 }, 10_000);
      return JSON.parse(envelope.body) as PoisonMessage;
    };
    expect(messageOf(Buffer.from('not json'), 'invalid_json').dataText).toBe('not json');
    const binary = messageOf(new Uint8Array([1, 2, 0xff]), 'invalid_utf8');
    expect(binary.dataText).toBeUndefined();
    expect(Buffer.from(binary.dataBase64 ?? '', 'base64')).toEqual(Buffer.from([1, 2, 0xff]));
  });
});

describe('result messages', () => {
  it('derives resultId from round, user and model version only', () => {
    const id = resultId(3, 517, 'v1');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(resultId(3, 517, 'v1')).toBe(id);
    expect(new Set([resultId(4, 517, 'v1'), resultId(3, 518, 'v1'), resultId(3, 517, 'v2'), id]).size).toBe(4);
    expect(predictionResult(517, 3, 0.75, 'v1', new Date(0))).toMatchObject({
      resultId: id,
      retained: true,
      probability: 0.75,
    });
    expect(predictionResult(517, 3, 0.25, 'v1', new Date(0)).retained).toBe(false);
  });
});

describe('trends per round', () => {
  it('counts only the records before the first failure, since Lambda re-delivers from there', () => {
    const records = ['10', '20', '30', '40'].map((sequenceNumber) => ({ sequenceNumber }));
    expect(countedPrefix(records, [])).toHaveLength(4);
    expect(countedPrefix(records, ['40', '30']).map((r) => r.sequenceNumber)).toEqual(['10', '20']);
    // Sequence numbers exceed a double's precision: compared exactly.
    const big = [
      '49545115243490985018280067714973144582180062593244200961',
      '49545115243490985018280067714973144582180062593244200962',
    ] as const;
    expect(
      countedPrefix(
        big.map((sequenceNumber) => ({ sequenceNumber })),
        [big[1]],
      ),
    ).toHaveLength(1);
  });

  it('merges parts into one point per round, ascending, with both counts', () => {
    const counts = countByRound([
      { round: 2, retained: true, probability: 0.9 },
      { round: 1, retained: false, probability: 0.2 },
      { round: 2, retained: false, probability: 0.3 },
    ]);
    expect(counts).toEqual([
      { round: 1, scored: 1, retained: 0, expectedRetained: 0.2 },
      { round: 2, scored: 2, retained: 1, expectedRetained: 1.2 },
    ]);
    const doc = mergeTrends([...counts, { round: 1, scored: 5, retained: 4, expectedRetained: 3.5 }], new Date(0));
    expect(doc).toEqual({
      formatVersion: 1,
      updatedAt: '1970-01-01T00:00:00.000Z',
      rounds: [
        { round: 1, scored: 6, retained: 4, expectedRetained: 3.7 },
        { round: 2, scored: 2, retained: 1, expectedRetained: 1.2 },
      ],
    });
    // A format 1 part (no probabilities summed) leaves its round's expected figure unknown, not short.
    const mixed = mergeTrends([...counts, { round: 2, scored: 1, retained: 1 }], new Date(0));
    expect(mixed.rounds).toEqual([
      { round: 1, scored: 1, retained: 0, expectedRetained: 0.2 },
      { round: 2, scored: 3, retained: 2 },
    ]);
  });

  it('keys a part by round, shard and first sequence number', () => {
    const key = trendPartKey(3, 'shardId-000000000001', '4954');
    expect(key).toBe('predictions/trends/round=3/shardId-000000000001-4954.json');
    expect(roundOfPartKey(key)).toBe(3);
    expect(roundOfPartKey('predictions/other.json')).toBeUndefined();
  });

  it("reads only parts the round's ledger does not hold at their ETag, and sums the ledger", () => {
    const ledger = ledgerFrom(
      {
        formatVersion: 2,
        round: 2,
        parts: { a: { eTag: '1', scored: 5, retained: 2 }, gone: { eTag: '1', scored: 9, retained: 9 } },
        atRisk: [],
      },
      2,
    );
    const listed = [
      { key: 'a', etag: '1' },
      { key: 'b', etag: '7' },
    ];
    expect(partsToRead(ledger, listed)).toEqual(['b']);
    const updated = updateLedger(
      ledger,
      ['a', 'b'],
      [{ key: 'b', eTag: '7', part: { round: 2, scored: 3, retained: 1 } }],
      10,
    );
    expect(ledgerTotal(updated)).toEqual({ round: 2, scored: 8, retained: 3 });
    // A rewritten part (a retried batch) has a new ETag and is read again; its counts replace the old ones.
    expect(
      partsToRead(updated, [
        { key: 'a', etag: '2' },
        { key: 'b', etag: '7' },
      ]),
    ).toEqual(['a']);
    // Another round's ledger, or another format, counts as empty: everything is read again.
    expect(partsToRead(ledgerFrom(updated, 3), listed)).toEqual(['a', 'b']);
    expect(partsToRead(ledgerFrom({ startedAt: 'x' }, 2), listed)).toEqual(['a', 'b']);
    expect(partsToRead(ledgerFrom({ ...updated, formatVersion: 1 }, 2), listed)).toEqual(['a', 'b']);
  });
});
