/** The streaming side: any chunking gives the same result; long lines, CRLF, UTF-8, line numbers. */
import { describe, expect, it } from 'vitest';
import { extractEvents, MAX_LINE_BYTES, MAX_RAW_BYTES, type Reject } from '#core/extraction/index.ts';
import { weekSpan } from '#core/weeks.ts';

const { start } = weekSpan('0');
const enc = new TextEncoder();
const ev = (anon: number, user: number, company: number, platform: string, dt: number, type: string) =>
  `${anon}\t${user}\t${company}\t${platform}\t${start + dt}\t${type}\t0`;

function chunked(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.slice(i, i + size));
  return out;
}

async function run(chunks: Uint8Array[]) {
  const rejects: Reject[] = [];
  const agg = await extractEvents([{ name: 'w.log', chunks }], { week: '0', onReject: (r) => rejects.push(r) });
  return { counts: agg.lineCounts, users: [...agg.users()], rejects };
}

const mixed = enc.encode(
  [
    ev(1, 5, 17, 'IPAD', 10, 'VIEW_REPORT'),
    ev(2, 5, 18, 'PC', 5, 'INSPECT') + '\r',
    '',
    ev(3, 7, 17, 'PC', 5, 'LOGIN'),
    ev(4, 7, 17, 'ANDROID', 9, 'SHARE_TPL') + '\r',
    '\r',
    ev(5, 9, 2, 'OTHER', 1, 'CANCEL_INSPECTION'),
  ].join('\n'),
);

describe('event streams', () => {
  it('give the same counts, users and rejects however the bytes are cut', async () => {
    const whole = await run([mixed]);
    expect(whole.counts).toEqual({ linesRead: 7, accepted: 4, rejected: { empty_line: 2, unknown_event_type: 1 } });
    expect(whole.users.map((u) => u.userId)).toEqual([5, 7, 9]);
    for (let size = 1; size <= mixed.length; size += size < 20 ? 1 : 7) {
      expect(await run(chunked(mixed, size)), `chunks of ${size} bytes`).toEqual(whole);
    }
  });

  it('count a last line without a line end, and number lines from 1', async () => {
    const r = await run([enc.encode(`x\n${ev(1, 5, 17, 'PC', 1, 'INSPECT')}`)]);
    expect(r.counts.linesRead).toBe(2);
    expect(r.counts.accepted).toBe(1);
    expect(r.rejects).toEqual([{ source: 'w.log', line: 1, reason: 'field_count', raw: 'x' }]);
  });

  it('reject a line over 64 KiB without keeping it, whether it sits in one chunk or spans many', async () => {
    const long = 'y'.repeat(MAX_LINE_BYTES + 1);
    const text = enc.encode(`${ev(1, 5, 17, 'PC', 1, 'INSPECT')}\n${long}\n${ev(2, 6, 17, 'PC', 1, 'INSPECT')}\n`);
    for (const size of [text.length, 4096, 1000, 65_537]) {
      const r = await run(chunked(text, size));
      expect(r.counts, `chunks of ${size}`).toEqual({ linesRead: 3, accepted: 2, rejected: { line_too_long: 1 } });
      expect(r.rejects[0]?.line).toBe(2);
      expect(r.rejects[0]?.raw).toBe('y'.repeat(MAX_RAW_BYTES));
    }
  });

  it('accept a line of exactly 64 KiB as far as length goes', async () => {
    const exact = 'z'.repeat(MAX_LINE_BYTES);
    const r = await run(chunked(enc.encode(`${exact}\r\n`), 5000));
    expect(r.counts.rejected).toEqual({ field_count: 1 });
  });

  it('find invalid UTF-8 even when its bytes are cut across chunks, and keep raw text readable', async () => {
    const bad = Uint8Array.from([...enc.encode('1\t5\t17\tP'), 0xc3, 0x28, ...enc.encode(`\t${start}\tINSPECT\t0\n`)]);
    for (const size of [1, 2, 9, bad.length]) {
      const r = await run(chunked(bad, size));
      expect(r.rejects.map((x) => x.reason)).toEqual(['invalid_utf8']);
      expect(r.rejects[0]?.raw).toContain('\uFFFD');
    }
  });

  it("cut a reject's raw text at 1 KiB", async () => {
    const r = await run([enc.encode(`${'9'.repeat(3000)}\t5\t17\tPC\t${start}\tINSPECT\t0\n`)]);
    expect(r.rejects[0]?.reason).toBe('bad_number');
    expect(r.rejects[0]?.raw.length).toBe(MAX_RAW_BYTES);
  });

  it('restart line numbers per source and keep the invariant over all of them', async () => {
    const rejects: Reject[] = [];
    const agg = await extractEvents(
      [
        { name: 'a.log', chunks: [enc.encode('bad\n' + ev(1, 5, 1, 'PC', 1, 'INSPECT') + '\n')] },
        { name: 'b.log', chunks: [enc.encode(ev(1, 5, 1, 'PC', 1, 'INSPECT') + '\nbad\n')] },
      ],
      { week: '0', onReject: (r) => rejects.push(r) },
    );
    expect(rejects.map((r) => [r.source, r.line])).toEqual([
      ['a.log', 1],
      ['b.log', 2],
    ]);
    expect(agg.lineCounts).toEqual({ linesRead: 4, accepted: 2, rejected: { field_count: 2 } });
    expect(agg.sources).toEqual(['a.log', 'b.log']);
  });

  it('take async iterables of chunks', async () => {
    async function* gen() {
      yield enc.encode(ev(1, 5, 1, 'PC', 1, 'INSPECT').slice(0, 4));
      yield enc.encode(ev(1, 5, 1, 'PC', 1, 'INSPECT').slice(4) + '\n');
    }
    const agg = await extractEvents([{ name: 'g', chunks: gen() }], { week: '0' });
    expect(agg.get(5)?.counts[2]).toBe(1);
  });
});
