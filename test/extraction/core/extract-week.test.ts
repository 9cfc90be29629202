/**
 * The extraction use case over the storage port (here on folders, through the filesystem
 * adapter): what it decides itself, whatever the store: the gzip of an output by its key,
 * an absent table, the store's own digest checked against the bytes parsed, and nothing
 * left half-written when it fails.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractWeek, type ExtractWeekRequest } from '#core/extraction/extract-week.ts';
import { readText } from '#core/storage/reads.ts';
import type { ObjectDigest } from '#core/storage/port.ts';
import { weekSpan } from '#core/weeks.ts';
import { FileObjectStore, fileStore } from '#local/file-store.ts';

const { start } = weekSpan('1');
const EVENTS = [
  `1\t10\t1\tPC\t${start + 100}\tINSPECT\t1`,
  `2\t11\t1\tWINDOWS\t${start + 200}\tINSPECT\t1`,
  `3\t12\t2\tIPAD\t${start + 300}\tSHARE_TPL\t1`,
].join('\n');

/** A folder whose digest sees one byte more than the file holds, as if it changed while read. */
class ChangingFolder extends FileObjectStore {
  override async digest(key: string): Promise<ObjectDigest> {
    const { bytes, sha256 } = await super.digest(key);
    return { bytes: bytes + 1, sha256 };
  }
}

describe('extractWeek', () => {
  let dir: string;
  const request = (name: string, changes: Partial<ExtractWeekRequest> = {}): ExtractWeekRequest => ({
    source: fileStore(join(dir, 'in')),
    target: fileStore(join(dir, name)),
    week: '1',
    baseWeek: '2017-W19',
    inputs: { events: ['events.log'], crm: 'crm.data', profiles: 'profiles.data', categoryLists: {} },
    outputs: { rejects: 'r.jsonl.gz', features: 'f.tsv', activeUsers: 'a.txt', manifest: 'm.json' },
    ...changes,
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'extract-week-'));
    const input = fileStore(join(dir, 'in'));
    await input.write('events.log', EVENTS);
    await input.write('crm.data', '1\tBANK\tUS-CA\tGOOGLE\n');
    await input.write('profiles.data', '10\t1\t34\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes each output gzipped or not as its key says, the manifest last, and names sources by key', async () => {
    const { manifest, written } = await extractWeek(request('plain'));
    expect(written).toEqual(['r.jsonl.gz', 'f.tsv', 'a.txt', 'm.json']);
    const out = fileStore(join(dir, 'plain'));
    expect((await readText(out, 'r.jsonl.gz')).split('\n')[0]).toContain('"reason":"unknown_platform"');
    expect((await readText(out, 'f.tsv')).split('\n')).toHaveLength(3); // header, user 10, final newline
    expect(await readText(out, 'a.txt')).toBe('10\n12\n');
    expect(manifest.sources.map((s) => `${s.kind}:${s.name}:${s.bytes}`)).toEqual([
      `events:events.log:${EVENTS.length}`,
      'crm:crm.data:20',
      'profiles:profiles.data:8',
    ]);
  });

  it('fails on an absent table, or joins nobody with it when tables may come later', async () => {
    const inputs = { ...request('x').inputs, crm: 'later/crm.data' };
    await expect(extractWeek(request('strict', { inputs }))).rejects.toThrow(/crm\.data: no such file/);
    const { manifest } = await extractWeek(request('lenient', { inputs: { ...inputs, tablesMayBeAbsent: true } }));
    expect(manifest).toMatchObject({ users: 2, joined: 0, unmatched: { crm: 2 } });
    expect(manifest.sources.map((s) => s.kind)).toEqual(['events', 'profiles']);
  });

  it("uses the store's own digest, and fails when it is not of the bytes parsed, writing nothing", async () => {
    const source = new ChangingFolder(join(dir, 'in'));
    await expect(extractWeek(request('changed', { source }))).rejects.toThrow(
      /events\.log changed while it was read \(\d+ bytes read, \d+ hashed\)/,
    );
    expect(await fileStore(join(dir, 'changed')).list('')).toEqual([]);
  });
});
