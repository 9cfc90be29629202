/**
 * A generated dirty week (every reject kind, CRLF, random chunking) against a plain
 * string-splitting reference written here: same per-line verdicts, same per-user counts,
 * the invariant holds and every reject reason shows up.
 */
import { describe, expect, it } from 'vitest';
import {
  REJECT_REASONS,
  buildManifest,
  extractEvents,
  joinWeek,
  parseCrmTable,
  parseProfileTable,
  type Reject,
  type RejectReason,
} from '#core/extraction/index.ts';
import { DEFAULT_CATEGORIES as C } from '#core/schema.ts';
import { DEFAULT_BASE_WEEK, weekSpan } from '#core/weeks.ts';
import { random } from '#bench/_shared.ts';
import { defined } from '#test/support/defined.ts';

const WEEK = '5';
const { start, end } = weekSpan(WEEK);
const enc = new TextEncoder();

/** Events: [bytes of the line without its end, expected reason or undefined]. */
function generateEvents(rnd: () => number, count: number): [Uint8Array, RejectReason | undefined][] {
  const pick = <T>(l: readonly T[]) => defined(l[Math.floor(rnd() * l.length)], 'an item of a non-empty list');
  const lines: [Uint8Array, RejectReason | undefined][] = [];
  for (let i = 0; i < count; i++) {
    const f: [string, string, string, string, string, string, string] = [
      String(i),
      String(Math.floor(rnd() * 50)),
      String(Math.floor(rnd() * 12)),
      pick(C.platform),
      String(start + Math.floor(rnd() * (end - start))),
      pick(C.event_type),
      pick(['0', '1']),
    ];
    const kind = Math.floor(rnd() * 30);
    const text = (s: string, r?: RejectReason): [Uint8Array, RejectReason | undefined] => [enc.encode(s), r];
    const j = (g: string[]) => g.join('\t');
    switch (kind) {
      case 0:
        lines.push(text('', 'empty_line'));
        break;
      case 1:
        lines.push(text(j(f.slice(1)), 'field_count'));
        break;
      case 2:
        lines.push(text(j([f[0], f[1] + 'a', ...f.slice(2)]), 'bad_number'));
        break;
      case 3:
        lines.push(text(j([f[0], f[1], '-' + f[2], ...f.slice(3)]), 'negative_id'));
        break;
      case 4:
        lines.push(text(j([...f.slice(0, 3), 'BLACKBERRY', ...f.slice(4)]), 'unknown_platform'));
        break;
      case 5:
        lines.push(text(j([...f.slice(0, 5), 'UNINSTALL', f[6]]), 'unknown_event_type'));
        break;
      case 6:
        lines.push(text(j([...f.slice(0, 4), f[4] + '.25', ...f.slice(5)]), 'bad_timestamp'));
        break;
      case 7:
        lines.push(text(j([...f.slice(0, 4), String(end + Math.floor(rnd() * 1000)), ...f.slice(5)]), 'outside_week'));
        break;
      case 8:
        lines.push(text(j([...f.slice(0, 6), 'true']), 'bad_first_event'));
        break;
      case 9:
        lines.push(text(j([...f.slice(0, 6), '1'.repeat(70_000)]), 'line_too_long'));
        break;
      case 10:
        lines.push([
          Uint8Array.from([
            ...enc.encode(j(f.slice(0, 3)) + '\t'),
            0xed,
            0xa0,
            0x80,
            ...enc.encode('\t' + j(f.slice(4))),
          ]),
          'invalid_utf8',
        ]);
        break;
      case 11:
        lines.push(text(j(f) + '\r'));
        break; // CRLF
      default:
        lines.push(text(j(f)));
    }
  }
  return lines;
}

/** The reference: what a line means, by splitting strings (valid lines only). */
function referenceCounts(lines: [Uint8Array, RejectReason | undefined][]) {
  const users = new Map<number, { counts: number[]; first: number; company: number }>();
  const dec = new TextDecoder();
  for (const [bytes, reason] of lines) {
    if (reason) continue;
    const f = dec.decode(bytes).replace(/\r$/, '').split('\t');
    const user = Number(f[1]);
    const u = users.get(user) ?? { counts: new Array(12).fill(0), first: Infinity, company: -1 };
    u.counts[C.platform.indexOf(defined(f[3], 'a platform'))]++;
    u.counts[5 + C.event_type.indexOf(defined(f[5], 'an event type'))]++;
    if (Number(f[4]) < u.first) {
      u.first = Number(f[4]);
      u.company = Number(f[2]);
    }
    users.set(user, u);
  }
  return users;
}

function joinLines(lines: Uint8Array[]): Uint8Array {
  const total = lines.reduce((n, l) => n + l.length + 1, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const l of lines) {
    out.set(l, at);
    at += l.length;
    out[at++] = 10;
  }
  return out;
}

function randomChunks(bytes: Uint8Array, rnd: () => number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const size = 1 + Math.floor(rnd() * (rnd() < 0.5 ? 64 : 100_000));
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

describe('a generated dirty week', () => {
  for (const seed of [1, 2, 3]) {
    it(`round-trips with the invariant holding and every reason present (seed ${seed})`, async () => {
      const rnd = random(seed);
      const lines = generateEvents(rnd, 3000);
      const rejects: Reject[] = [];
      const onReject = (r: Reject) => rejects.push(r);
      const events = await extractEvents(
        [{ name: 'events', chunks: randomChunks(joinLines(lines.map((l) => l[0])), rnd) }],
        { week: WEEK, baseWeek: DEFAULT_BASE_WEEK, onReject },
      );

      const crmText = [
        ...Array.from(
          { length: 12 },
          (_, c) => `${c}\t${C.industry[c % 6]}\t${C.region[c % 8]}\t${C.social_type[c % 3]}`,
        ),
        '3\tBANK\tUS-CA\tGOOGLE', // duplicate_key
        '20\tSHIPPING\tUS-CA\tGOOGLE', // unknown_category
        '21\tBANK\tUS-CA', // field_count
      ].join('\r\n');
      const profileText = [
        ...Array.from({ length: 45 }, (_, u) => `${u}\t${u % 2}\t${20 + (u % 51)}`),
        '7\t1\t33', // duplicate_key
        '60\t3\t33', // bad_gender
        '61\t0\t90', // age_out_of_range
        '62\t0\tn/a', // bad_number
      ].join('\n');
      const crm = await parseCrmTable(crmText, { name: 'crm', onReject });
      const profiles = await parseProfileTable(profileText, { name: 'profiles', onReject });

      // Per line: the verdict we planted.
      const expected = lines.flatMap(([, reason], i) => (reason ? [[i + 1, reason]] : []));
      expect(rejects.filter((r) => r.source === 'events').map((r) => [r.line, r.reason])).toEqual(expected);
      // Per user: the reference's counts and company.
      const reference = referenceCounts(lines);
      expect(events.size).toBe(reference.size);
      for (const u of events.users()) {
        const r = defined(reference.get(u.userId), `user ${u.userId} in the reference`);
        expect([u.counts, u.companyId, u.firstEventTime]).toEqual([r.counts, r.company, r.first]);
      }
      // The week: users 45..49 have no profile; every company 0..11 is in the CRM table.
      const week = joinWeek(events, crm, profiles);
      expect(week.unmatched).toEqual({ crm: 0, profile: [...reference.keys()].filter((u) => u >= 45).length });
      const manifest = buildManifest({
        week: WEEK,
        baseWeek: events.baseWeek,
        verdict: { status: 'ok', message: '' },
        rejectsKept: { perReason: 1000, notKept: {} },
        sources: [],
        events: events.lineCounts,
        extracted: week,
        crm: { ...crm.lineCounts(), rows: crm.size },
        profiles: { ...profiles.lineCounts(), rows: profiles.size },
      });
      const sum = (o: Partial<Record<string, number>>) => Object.values(o).reduce((a: number, b) => a + (b ?? 0), 0);
      expect(manifest.linesRead).toBe(lines.length);
      expect(manifest.accepted + sum(manifest.rejected)).toBe(manifest.linesRead);
      const seen = new Set(rejects.map((r) => r.reason));
      expect(REJECT_REASONS.filter((r) => !seen.has(r))).toEqual([]);
    });
  }
});
