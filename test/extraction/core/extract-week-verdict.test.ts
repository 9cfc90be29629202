/**
 * What extractWeek judges and refuses, on folders through the filesystem adapter: the
 * verdict in the manifest (written even when failed), the same content given twice, raw
 * rejects kept per source and reason with the rest counted, and numbered weeks without a
 * calendar unless a base week is given.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractWeek, type ExtractWeekRequest } from '#core/extraction/extract-week.ts';
import {
  extractEvents,
  formatUserCounts,
  parseManifest,
  parseRejects,
  parseUserCounts,
} from '#core/extraction/index.ts';
import { readText } from '#core/storage/reads.ts';
import { fileStore } from '#local/file-store.ts';
import { folderRequest, inputFolder } from './folder-request.ts';

/** 2026-11-30 (ISO week 2026-W49): "this year", far from the demo's 2017 calendar. */
const THIS_YEAR = Date.UTC(2026, 10, 30) / 1000;
const event = (user: number, time: number) => `${user}\t${user}\t1\tPC\t${time}\tINSPECT\t1`;
const lines = (n: number, make: (i: number) => string) => Array.from({ length: n }, (_, i) => make(i)).join('\n');

describe('extractWeek judges and refuses', () => {
  let dir: string;
  const input = () => inputFolder(dir);
  const request = (out: string, events: string[], changes: Partial<ExtractWeekRequest> = {}) =>
    folderRequest(dir, out, events, changes);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'extract-verdict-'));
    await input().write('crm.data', '1\tBANK\tUS-CA\tGOOGLE\n');
    await input().write('profiles.data', '10\t1\t34\n');
    await input().write(
      'this-year.log',
      lines(40, (i) => event(i, THIS_YEAR + i)),
    );
    await input().write(
      'copy-of-this-year.log',
      lines(40, (i) => event(i, THIS_YEAR + i)),
    );
    // 10 good lines, 3 bad: a fifth rejected is dirty, not failed.
    await input().write('dirty.log', lines(10, (i) => event(i, THIS_YEAR)) + '\nx\nx\nx\n');
    await input().write('empties.log', event(1, THIS_YEAR) + '\n'.repeat(2500));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("accepts this year's events in a numbered week without a base week, and records no calendar", async () => {
    const { manifest } = await extractWeek(request('no-calendar', ['this-year.log']));
    expect(manifest).toMatchObject({ accepted: 40, verdict: { status: 'ok', message: '' } });
    expect(manifest.baseWeek).toBeUndefined();
  });

  it("keeps a numbered week's first events right without a calendar: the company, and user_counts read back", async () => {
    const text = [`1\t7\t5\tPC\t${THIS_YEAR + 50}\tINSPECT\t1`, `2\t7\t3\tPC\t${THIS_YEAR + 10}\tINSPECT\t0`].join(
      '\n',
    );
    const events = await extractEvents([{ name: 'w.log', chunks: [new TextEncoder().encode(text)] }], { week: '4' });
    expect(events.get(7)).toMatchObject({ companyId: 3, firstEventTime: THIS_YEAR + 10 });
    const again = parseUserCounts(formatUserCounts(events), { week: '4' });
    expect(again.get(7)).toEqual(events.get(7));
  });

  it('fails the week with a base week its events are not in, and still writes the manifest saying so', async () => {
    const { manifest } = await extractWeek(request('wrong-calendar', ['this-year.log'], { baseWeek: '2017-W19' }));
    expect(manifest).toMatchObject({ accepted: 0, baseWeek: '2017-W19', rejected: { outside_week: 40 } });
    expect(manifest.verdict.status).toBe('failed');
    expect(manifest.verdict.message).toMatch(/^this-year\.log: 40 of 40 lines rejected .*outside_week 40.*base week/);
    const stored = parseManifest(await readText(fileStore(join(dir, 'wrong-calendar')), 'manifest.json'));
    expect(stored.verdict).toEqual(manifest.verdict);
  });

  it('calls a fifth rejected dirty, and failed once the share passes the given maximum', async () => {
    const dirty = await extractWeek(request('dirty', ['dirty.log']));
    expect(dirty.manifest.verdict).toMatchObject({ status: 'dirty' });
    expect(dirty.manifest.verdict.message).toMatch(/dirty\.log: 3 of 13 lines rejected/);
    const strict = await extractWeek(request('strict', ['dirty.log'], { maxRejectedShare: 0.1 }));
    expect(strict.manifest.verdict.status).toBe('failed');
  });

  it('refuses the same content given twice, naming both files, and writes nothing', async () => {
    await expect(extractWeek(request('twice', ['this-year.log', 'copy-of-this-year.log']))).rejects.toThrow(
      /copy-of-this-year\.log has the same content as this-year\.log \(sha256 [0-9a-f]{64}\)/,
    );
    expect(await fileStore(join(dir, 'twice')).list('')).toEqual([]);
  });

  it('keeps the first rejects of each reason and source, and counts the rest in the manifest', async () => {
    const { manifest } = await extractWeek(request('capped', ['empties.log'], { rejectsKeptPerReason: 1000 }));
    expect(manifest.rejected).toEqual({ empty_line: 2499 });
    expect(manifest.rejectsKept).toEqual({ perReason: 1000, notKept: { empty_line: 1499 } });
    const rejects = parseRejects(await readText(fileStore(join(dir, 'capped')), 'rejects.jsonl'));
    expect(rejects).toHaveLength(1000);
    expect(rejects.at(-1)).toMatchObject({ source: 'empties.log', line: 1001, reason: 'empty_line' });
  });
});
