/**
 * The batching mechanism on answers no emulator gives: partial `Failed` answers, throttling
 * against sender faults, thrown requests, attempts running out. The `call` here is a stub that
 * plays the service's answers, because the SNS and SQS emulators accept every well-formed entry.
 */
import { describe, expect, it } from 'vitest';
import { BatchedSender, SameTurnGatherer, type BatchAnswer } from '#aws/prediction/batched-sender.ts';

type Answer = (ids: string[], attempt: number) => BatchAnswer | Error;

/** A sender of strings (one byte a character, 25 bytes a call) whose calls are answered by `answer`. */
function sender(answer: Answer, options: { sendWhenFull?: boolean } = {}) {
  const calls: string[][] = [];
  const batched = new BatchedSender<string>({
    call: async (entries) => {
      calls.push(entries.map((e) => e.item));
      const out = answer(
        entries.map((e) => e.id),
        calls.length,
      );
      if (out instanceof Error) throw out;
      return out;
    },
    bytesOf: (item) => item.length,
    maxBytes: 25,
    refused: (reason) => new Error(reason ? `refused: ${reason.code} ${reason.message}` : 'refused: no answer'),
    retry: { maxAttempts: 3, baseDelayMs: 1 },
    ...options,
  });
  return { batched, calls };
}

const allAccepted: Answer = (ids) => ({ Successful: ids.map((Id) => ({ Id })) });
const fates = (promises: Promise<void>[]) =>
  Promise.allSettled(promises).then((all) => all.map((s) => (s.status === 'fulfilled' ? 'ok' : String(s.reason))));

describe('BatchedSender', () => {
  it('gathers the sends of one turn into calls of at most 10 entries and the byte budget, in order', async () => {
    const { batched, calls } = sender(allAccepted);
    const items = [...Array.from({ length: 12 }, (_, i) => `m${i}`), 'x'.repeat(20), 'y'.repeat(20)];
    expect(await fates(items.map((m) => batched.send(m)))).toEqual(items.map(() => 'ok'));
    expect(calls.map((c) => c.length)).toEqual([10, 2, 1, 1]);
    expect(calls.flat()).toEqual(items);
  });

  it('sends again only the throttled entries of a partial answer, and settles each caller by its own entry', async () => {
    const { batched, calls } = sender((ids, attempt) =>
      attempt === 1
        ? {
            Successful: [{ Id: ids[0] }],
            Failed: [
              { Id: ids[1], Code: 'Throttled', Message: 'slow down', SenderFault: false },
              { Id: ids[2], Code: 'TooBig', Message: 'message too long', SenderFault: true },
            ],
          }
        : allAccepted(ids, attempt),
    );
    expect(await fates(['a', 'b', 'c'].map((m) => batched.send(m)))).toEqual([
      'ok',
      'ok',
      'Error: refused: TooBig message too long',
    ]);
    expect(calls).toEqual([['a', 'b', 'c'], ['b']]);
  });

  it('retries a thrown request and, with attempts exhausted, rejects with the last reason', async () => {
    const { batched, calls } = sender((ids, attempt) =>
      attempt < 3 ? new Error('socket hang up') : { Failed: ids.map((Id) => ({ Id, Code: 'Throttled' })) },
    );
    expect(await fates([batched.send('a')])).toEqual(['Error: refused: Throttled ']);
    expect(calls).toHaveLength(3);
  });

  it('names the thrown error when the last attempt threw, and asks again for entries left out of the answer', async () => {
    const thrown = sender(() => Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    expect(await fates([thrown.batched.send('a')])).toEqual(['Error: refused: TimeoutError socket hang up']);
    const silent = sender(() => ({}));
    expect(await fates([silent.batched.send('a')])).toEqual(['Error: refused: no answer']);
    expect(silent.calls).toHaveLength(3);
  });

  it('with sendWhenFull, calls as soon as 10 entries wait, before the turn ends', async () => {
    const { batched, calls } = sender(allAccepted, { sendWhenFull: true });
    const sends = Array.from({ length: 11 }, (_, i) => batched.send(`m${i}`));
    expect(calls.map((c) => c.length)).toEqual([10]);
    await Promise.all(sends);
    expect(calls.map((c) => c.length)).toEqual([10, 1]);
  });
});

describe('SameTurnGatherer', () => {
  it('hands over every item of a turn together, and later items in a later hand-over', async () => {
    const handed: string[][] = [];
    const gatherer = new SameTurnGatherer<string>((waiting) => {
      handed.push(waiting.map((w) => w.item));
      waiting.forEach((w) => w.resolve());
    });
    await Promise.all([gatherer.send('a'), gatherer.send('b')]);
    await gatherer.send('c');
    expect(handed).toEqual([['a', 'b'], ['c']]);
  });
});
