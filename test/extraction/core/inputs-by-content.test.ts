/**
 * Inputs recognised by what they hold, not by their names: gzip by its first bytes, a UTF-8
 * byte-order mark dropped at the start of every source (however the bytes are cut), a corrupt
 * gzip and a gzip of one repeated byte refused with the file named.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractWeek, type ExtractWeekRequest } from '#core/extraction/extract-week.ts';
import { extractEvents, parseCrmTable, type Reject } from '#core/extraction/index.ts';
import { readText } from '#core/storage/reads.ts';
import { fileStore } from '#local/file-store.ts';
import { folderRequest, inputFolder } from './folder-request.ts';

const BOM = '\uFEFF';
const TIME = Date.UTC(2026, 10, 30) / 1000;
const EVENTS = [1, 2, 3].map((u) => `${u}\t${u}\t0\tPC\t${TIME + u}\tINSPECT\t1`).join('\n') + '\n';
const CRM = '0\tBANK\tUS-CA\tGOOGLE\n1\tHEALTH\tCN-BJ\tTWITTER\n';
const PROFILES = '1\t0\t30\n2\t1\t40\n3\t0\t50\n';
const bytes = (text: string) => new TextEncoder().encode(text);
const cut = (all: Uint8Array, size: number) =>
  Array.from({ length: Math.ceil(all.length / size) }, (_, i) => all.slice(i * size, (i + 1) * size));

describe('a byte-order mark at the start of a source', () => {
  it('is dropped from an event log however the chunks cut it, and never reaches a reject', async () => {
    const text = bytes(BOM + EVENTS + 'not an event\n');
    for (const size of [1, 2, 3, 4, 7, text.length]) {
      const rejects: Reject[] = [];
      const events = await extractEvents([{ name: 'w.log', chunks: cut(text, size) }], {
        week: '0',
        onReject: (r) => rejects.push(r),
      });
      expect(events.lineCounts).toEqual({ linesRead: 4, accepted: 3, rejected: { field_count: 1 } });
      expect(rejects).toEqual([{ source: 'w.log', line: 4, reason: 'field_count', raw: 'not an event' }]);
    }
  });

  it('is dropped from a CRM table, which keeps company 0', async () => {
    for (const size of [1, 2, 64]) {
      const crm = await parseCrmTable(cut(bytes(BOM + CRM), size), { name: 'crm_info.data' });
      expect(crm.lineCounts()).toEqual({ linesRead: 2, accepted: 2, rejected: {} });
      expect(crm.get(0)).toBeDefined();
    }
  });

  it('leaves bytes that only start like one as they are', async () => {
    const rejects: Reject[] = [];
    await extractEvents([{ name: 'w.log', chunks: [new Uint8Array([0xef, 0xbb]), bytes('x\n')] }], {
      week: '0',
      onReject: (r) => rejects.push(r),
    });
    expect(rejects).toEqual([{ source: 'w.log', line: 1, reason: 'invalid_utf8', raw: '\uFFFDx' }]);
  });
});

describe('inputs read by content through extractWeek', () => {
  let dir: string;
  const input = () => inputFolder(dir);
  const request = (out: string, events: string[], changes: Partial<ExtractWeekRequest> = {}) =>
    folderRequest(dir, out, events, changes);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inputs-by-content-'));
    await input().write('crm.data', BOM + CRM);
    await input().write('profiles.data', BOM + PROFILES);
    await input().write('plain.log', EVENTS);
    await input().write('gzip-named.log', gzipSync(bytes(BOM + EVENTS)));
    const corrupt = gzipSync(bytes(EVENTS.repeat(50)));
    await input().write('corrupt.log.gz', corrupt.subarray(0, corrupt.length - 20));
    await input().write('platform.meta', BOM + 'PC\nIPAD\nIPHONE\nANDROID\nOTHER\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('gunzips a gzip named .log, with a BOM inside, to the same week as the plain log', async () => {
    const plain = await extractWeek(request('plain', ['plain.log']));
    const gzip = await extractWeek(request('gzip', ['gzip-named.log']));
    expect(gzip.manifest).toMatchObject({ linesRead: 3, accepted: 3, rejected: {}, joined: 3 });
    expect(gzip.manifest.tables.crm).toMatchObject({ rows: 2, rejected: {} });
    expect(gzip.manifest.tables.profiles).toMatchObject({ rows: 3, rejected: {} });
    expect(await readText(fileStore(join(dir, 'gzip')), 'f.tsv')).toBe(
      await readText(fileStore(join(dir, 'plain')), 'f.tsv'),
    );
    expect(plain.manifest.verdict.status).toBe('ok');
  });

  it('reads a category list that starts with a BOM as if it had none', async () => {
    const { manifest } = await extractWeek(
      request('meta', ['plain.log'], {
        inputs: { ...request('x', ['plain.log']).inputs, categoryLists: { platform: 'platform.meta' } },
      }),
    );
    expect(manifest).toMatchObject({ accepted: 3 });
    const features = await readText(fileStore(join(dir, 'meta')), 'f.tsv');
    expect(features.split('\n')[1]?.split('\t').slice(5, 10)).toEqual(['1', '0', '0', '0', '0']); // PC is first now
  });

  it('names the file of a corrupt gzip, and writes nothing', async () => {
    await expect(extractWeek(request('corrupt', ['corrupt.log.gz']))).rejects.toThrow(
      /corrupt\.log\.gz: not a valid gzip stream \(unexpected end of file\)/,
    );
    expect(await fileStore(join(dir, 'corrupt')).list('')).toEqual([]);
  });

  it('refuses a gzip of one repeated byte once it grows past the ratio, naming the file', async () => {
    await input().write('bomb.log', gzipSync(new Uint8Array(6 << 20).fill(10)));
    await expect(extractWeek(request('bomb', ['bomb.log']))).rejects.toThrow(
      /bomb\.log: gunzips to more than 100 times its size/,
    );
    expect(await fileStore(join(dir, 'bomb')).list('')).toEqual([]);
  }, 30_000); // 4 MiB of empty lines are counted before the ratio is judged
});
