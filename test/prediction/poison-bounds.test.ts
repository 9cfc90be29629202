/**
 * The bounds that keep one record from harming a batch: error details of any value stay
 * short (no recursion into untrusted nesting), a poison message fits SQS whatever the
 * record's size, and SendMessageBatch requests are cut by bytes as well as by count.
 */
import { describe, expect, it } from 'vitest';
import { parseRecord, modelFeatures, poisonEnvelope, type PoisonMessage } from '#core/prediction/index.ts';
import { describeValue } from '#core/prediction/describe.ts';
import { BatchScorer } from '#core/prediction/batch-scorer.ts';
import { splitBatches } from '#aws/prediction/batched-sender.ts';
import { messageBytes, SQS_MESSAGE_BYTES } from '#aws/prediction/sqs-batch.ts';
import { features } from './fixtures.ts';

const schema = modelFeatures({});
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const source = (data: Uint8Array) => ({
  shardId: 'shardId-000000000000',
  sequenceNumber: '1',
  partitionKey: 'k',
  arrivedAt: new Date(0),
  data,
  dataBase64: Buffer.from(data).toString('base64'),
});

describe('error details of untrusted values', () => {
  it('a 14 KB record whose userId is 7,000 nested arrays is poison with a short reason, not a RangeError', () => {
    const text = `{"userId":${nested(7000)},"round":0,"features":{}}`;
    expect(text.length).toBeGreaterThan(14_000);
    expect(() => JSON.stringify(JSON.parse(text))).toThrow(RangeError); // what the bounded rendering avoids
    const parsed = parseRecord(Buffer.from(text), schema);
    expect(parsed).toMatchObject({ ok: false, reason: { code: 'bad_user_id' } });
    if (parsed.ok) return;
    expect(parsed.reason.detail).toBe('userId must be a whole number ≥ 0, got [[[[…]]]]');
  });

  it('renders wide, deep and long values within 120 characters', () => {
    expect(describeValue({ a: 1, b: 'x' })).toBe('{"a": 1, "b": "x"}');
    expect(describeValue(Array.from({ length: 10_000 }, (_, i) => i))).toBe('[0, 1, 2, 3, 4, … 9995 more]');
    expect(describeValue({ a: { b: { c: { d: 1 } } } })).toBe('{"a": {"b": {"c": {…}}}}');
    const long = describeValue('x'.repeat(1_000_000));
    expect(long.length).toBe(120);
    expect(long.endsWith('…')).toBe(true);
    expect(describeValue(undefined)).toBe('nothing');
  });

  it('cuts every reason detail, whatever the value, at 300 characters', () => {
    const wide = { userId: 1, round: 0, features: { ...features(1), region: 'R'.repeat(100_000) } };
    const parsed = parseRecord(Buffer.from(JSON.stringify(wide)), schema);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason.detail.length).toBeLessThanOrEqual(300);
  });
});

describe('poison message size', () => {
  const reason = { code: 'too_large', detail: 'big' } as const;

  it('keeps a record whose message fits whole in the message', () => {
    const data = Buffer.alloc(120_000, 'a');
    const envelope = poisonEnvelope(reason, source(data), SQS_MESSAGE_BYTES);
    expect(envelope.claimCheck).toBeUndefined();
    const message = JSON.parse(envelope.body) as PoisonMessage;
    expect(Buffer.from(message.dataBase64 ?? '', 'base64').equals(data)).toBe(true);
    expect(message.dataBytes).toBe(120_000);
  });

  it('claim-checks a record whose message would pass the budget: prefix, size, digest and key', () => {
    const data = Buffer.alloc(900_000, 7);
    const envelope = poisonEnvelope(reason, source(data), SQS_MESSAGE_BYTES);
    const message = JSON.parse(envelope.body) as PoisonMessage;
    expect(Buffer.byteLength(envelope.body)).toBeLessThan(10_000);
    expect(message.dataBase64).toBeUndefined();
    expect(message.dataBytes).toBe(900_000);
    expect(message.dataSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(message.dataKey).toBe(`poison/${message.dataSha256}`);
    expect(Buffer.from(message.dataPrefixBase64 ?? '', 'base64').equals(data.subarray(0, 4096))).toBe(true);
    expect(envelope.claimCheck?.key).toBe(message.dataKey);
    expect(envelope.claimCheck?.data).toBe(data);
  });

  it('escapes the two characters SQS refuses that JSON leaves as they are', () => {
    const data = Buffer.from('{"userId": "\uffff\ufffe"}');
    const { body } = poisonEnvelope(reason, source(data), SQS_MESSAGE_BYTES);
    expect(body).not.toMatch(/[\uFFFE\uFFFF]/);
    expect((JSON.parse(body) as PoisonMessage).dataText).toBe('{"userId": "\uffff\ufffe"}');
  });
});

describe('SendMessageBatch requests', () => {
  it('counts a message as SQS does: body and attributes, in UTF-8 bytes', () => {
    const attributes = { round: { DataType: 'Number', StringValue: '12' } };
    expect(messageBytes({ MessageBody: 'é', MessageAttributes: attributes })).toBe(2 + 5 + 6 + 2);
  });

  it('splits by 10 entries and by total bytes; an entry over the budget goes alone', () => {
    const sizes = (batches: number[][]) => batches.map((b) => b.length);
    expect(sizes(splitBatches(Array<number>(23).fill(300), (n) => n))).toEqual([10, 10, 3]);
    const big = Array<number>(10).fill(120_000 * 1.34);
    const batches = splitBatches(big, (n) => n, 240 * 1024);
    expect(sizes(batches)).toEqual(Array(10).fill(1));
    expect(sizes(splitBatches([100, 100, 300, 100], (n) => n, 250))).toEqual([2, 1, 1]);
  });
});

describe('scoring records one handler at a time', () => {
  /** A stand-in scorer (probability = the row's first value, contribution = its value) that counts its calls and refuses rows holding -1. */
  const counting = () => {
    const calls: number[] = [];
    const model = {
      explain(rows: readonly Float32Array[]) {
        calls.push(rows.length);
        if (rows.some((r) => r[0] === -1)) throw new RangeError('cannot score -1');
        return {
          probabilities: Float64Array.from(rows, (r) => r[0] ?? NaN),
          contributions: Float64Array.from(rows, (r) => r[0] ?? NaN),
        };
      },
    };
    return { calls, model };
  };

  it('walks the rows handed in during one turn in one call', async () => {
    const { calls, model } = counting();
    const scorer = new BatchScorer(model);
    const got = await Promise.all([0.25, 0.5, 0.75].map((v) => scorer.score(Float32Array.of(v))));
    expect(got.map((g) => g.probability)).toEqual([0.25, 0.5, 0.75]);
    // Each row's own contributions, not its neighbours'.
    expect(got.map((g) => [...g.contributions])).toEqual([[0.25], [0.5], [0.75]]);
    expect(calls).toEqual([3]);
  });

  it('scores again one by one when the batch throws: only the row that throws is refused', async () => {
    const { calls, model } = counting();
    const scorer = new BatchScorer(model);
    const got = await Promise.allSettled([0.5, -1, 0.75].map((v) => scorer.score(Float32Array.of(v))));
    expect(got.map((g) => g.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(got[1]).toMatchObject({ reason: new RangeError('cannot score -1') });
    expect(calls).toEqual([3, 1, 1, 1]);
  });
});
