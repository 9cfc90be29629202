/**
 * The demo generator's dirty data (seed/, every fault kind, CRLF, gzip) through the
 * extraction core: per file, accepted and rejected-by-reason equal dirty_expected.json, the
 * invariant holds, and every reject reason occurs somewhere.
 */
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { generateDemoData, memorySink, type FileExpectation } from '#seed/index.ts';
import { defined } from '#test/support/defined.ts';
import { DEFAULT_BASE_WEEK } from '#core/weeks.ts';
import {
  REJECT_REASONS,
  buildManifest,
  extractEvents,
  joinWeek,
  parseCrmTable,
  parseProfileTable,
  type Reject,
} from '#core/extraction/index.ts';

/** Streaming gunzip, in small chunks, as the adapters do. */
function chunks(name: string, bytes: Uint8Array): AsyncIterable<Uint8Array> {
  const source = Readable.from([bytes]);
  return name.endsWith('.gz') ? source.pipe(createGunzip({ chunkSize: 4096 })) : Readable.from([bytes]);
}

describe('seed --dirty data', () => {
  for (const gzip of [false, true]) {
    it(`extracts as dirty_expected.json says (${gzip ? 'gzip' : 'plain'} logs)`, async () => {
      const sink = memorySink();
      const result = await generateDemoData({ users: 400, weeks: 2, dirty: 0.04, seed: 11, gzip }, sink);
      const file = (name: string) => defined(sink.files.get(name), `the generated file ${name}`);
      const expectedFile = JSON.parse(new TextDecoder().decode(file('dirty_expected.json'))) as {
        files: Record<string, FileExpectation>;
      };
      const expected = expectedFile.files;
      expect(expected).toEqual(result.dirtyExpected);
      const check = (name: string, counts: { linesRead: number; accepted: number; rejected: object }) => {
        const e = defined(expected[name], `${name} in dirty_expected.json`);
        const injected = Object.values(e.rejected).reduce((a, b) => a + (b ?? 0), 0);
        expect({ name, ...counts }).toEqual({
          name,
          linesRead: e.valid + injected,
          accepted: e.valid,
          rejected: e.rejected,
        });
      };

      const rejects: Reject[] = [];
      const onReject = (r: Reject) => rejects.push(r);
      const crm = await parseCrmTable(chunks('crm', file('crm_info.data')), { name: 'crm_info.data', onReject });
      const profiles = await parseProfileTable(chunks('p', file('nosql_user_profile.data')), {
        name: 'nosql_user_profile.data',
        onReject,
      });
      check('crm_info.data', crm.lineCounts());
      check('nosql_user_profile.data', profiles.lineCounts());

      for (const w of result.weeks) {
        const events = await extractEvents([{ name: w.eventsFile, chunks: chunks(w.eventsFile, file(w.eventsFile)) }], {
          week: w.week,
          baseWeek: DEFAULT_BASE_WEEK, // the demo's calendar, so its outside_week lines are found
          onReject,
        });
        check(w.eventsFile, events.lineCounts);
        expect(events.size).toBe(w.activeUsers);
        const week = joinWeek(events, crm, profiles);
        const manifest = buildManifest({
          week: w.week,
          baseWeek: events.baseWeek,
          verdict: { status: 'ok', message: '' },
          rejectsKept: { perReason: 1000, notKept: {} },
          sources: [],
          events: events.lineCounts,
          extracted: week,
          crm: { ...crm.lineCounts(), rows: crm.size },
          profiles: { ...profiles.lineCounts(), rows: profiles.size },
        });
        expect(manifest.users).toBe(w.activeUsers);
        expect(manifest.joined + Math.max(manifest.unmatched.crm, manifest.unmatched.profile)).toBeLessThanOrEqual(
          manifest.users,
        );
      }
      const seen = new Set(rejects.map((r) => r.reason));
      expect(REJECT_REASONS.filter((r) => !seen.has(r))).toEqual([]);
      expect(rejects.every((r) => r.raw.length <= 1024 && r.line >= 1)).toBe(true);
    });
  }
});
