/**
 * Stage "extraction": waits until every uploaded week has been extracted by the Lambda the
 * bucket notification triggers (or given up on), then reads the manifests it wrote under
 * `extracted/` and reports per week: source objects, lines, rejects by reason, users joined,
 * and each failed or dirty part's verdict (the file, its largest reject reasons, the likely fix).
 */
import type { Stage } from '#infra/local/pipeline.ts';
import type { LocalCloud } from '#infra/local/cloud.ts';
import type { DemoDataSummary } from './demo-data.ts';
import { listKeys, readJson } from './s3-read.ts';

/** The manifest fields this summary reads (docs/formats.md, "Extracted week"). */
interface ManifestView {
  week?: string;
  sources?: { name: string }[];
  linesRead?: number;
  accepted?: number;
  rejected?: Record<string, number>;
  users?: number;
  joined?: number;
  unmatched?: { crm?: number; profile?: number };
  verdict?: { status?: string; message?: string };
}

interface WeekExtraction {
  week: string;
  parts: number;
  sources: string[];
  linesRead: number;
  accepted: number;
  rejected: Record<string, number>;
  users: number;
  joined: number;
  unmatched: { crm: number; profile: number };
  /** The verdict messages of its failed and dirty parts (each names its file and reasons). */
  failed: string[];
  dirty: string[];
}

interface ExtractionSummary {
  readonly expectedObjects: number;
  readonly manifests: number;
  readonly weeks: WeekExtraction[];
  readonly failures: { function: string; condition: string; error?: string; key?: string }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MANIFEST = /\/manifest\.json$/;

export const extraction: Stage = {
  name: 'extraction',
  title: 'Extraction (S3 ObjectCreated → extract Lambda → extracted/)',
  async run({ cloud, results, progress, signal }) {
    const demo = results['demo-data'] as DemoDataSummary;
    const bucket = demo.bucket;
    const expected = demo.eventKeys.length;
    let quiet = false;
    const idle = cloud.idle().then(() => {
      quiet = true;
    });
    const started = Date.now();
    while (!quiet && !signal.aborted) {
      const done = (await listKeys(cloud.clients.s3, bucket, 'extracted/')).filter((k) => MANIFEST.test(k)).length;
      const failed = cloud.asyncFailures.length;
      progress(
        `${done}/${expected} event objects extracted${failed ? `, ${failed} failed` : ''} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      );
      await Promise.race([idle, sleep(250)]);
    }
    const summary = await summarise(cloud, bucket, expected);
    const ok = summary.failures.length === 0 && summary.manifests >= expected;
    return { ok, summary, lines: describe(summary) };
  },
};

async function summarise(cloud: LocalCloud, bucket: string, expectedObjects: number): Promise<ExtractionSummary> {
  const keys = (await listKeys(cloud.clients.s3, bucket, 'extracted/')).filter((k) => MANIFEST.test(k));
  const byWeek = new Map<string, WeekExtraction>();
  for (const key of keys) {
    const manifest = await readJson<ManifestView>(cloud.clients.s3, bucket, key);
    const week = manifest.week ?? /week=([^/]+)/.exec(key)?.[1] ?? '?';
    const w = byWeek.get(week) ?? {
      week,
      parts: 0,
      sources: [],
      linesRead: 0,
      accepted: 0,
      rejected: {},
      users: 0,
      joined: 0,
      unmatched: { crm: 0, profile: 0 },
      failed: [],
      dirty: [],
    };
    w.parts++;
    if (manifest.verdict?.status === 'failed') w.failed.push(manifest.verdict.message ?? key);
    if (manifest.verdict?.status === 'dirty') w.dirty.push(manifest.verdict.message ?? key);
    w.sources.push(...(manifest.sources ?? []).map((s) => s.name));
    w.linesRead += manifest.linesRead ?? 0;
    w.accepted += manifest.accepted ?? 0;
    for (const [reason, n] of Object.entries(manifest.rejected ?? {}))
      w.rejected[reason] = (w.rejected[reason] ?? 0) + n;
    // Users may appear in several parts of a week: the part counts are upper bounds then.
    w.users += manifest.users ?? 0;
    w.joined += manifest.joined ?? 0;
    w.unmatched.crm += manifest.unmatched?.crm ?? 0;
    w.unmatched.profile += manifest.unmatched?.profile ?? 0;
    byWeek.set(week, w);
  }
  const failures = cloud.asyncFailures.map((f) => ({
    function: cloud.resources.functions[f.function]?.name ?? f.function,
    condition: f.condition,
    error: f.error,
    key: (f.event as { Records?: { s3?: { object?: { key?: string } } }[] })?.Records?.[0]?.s3?.object?.key,
  }));
  return {
    expectedObjects,
    manifests: keys.length,
    weeks: [...byWeek.values()].sort((a, b) => a.week.localeCompare(b.week)),
    failures,
  };
}

function describe(summary: ExtractionSummary): string[] {
  const lines = [`${summary.manifests}/${summary.expectedObjects} event objects extracted`];
  for (const w of summary.weeks) {
    const rejects = Object.entries(w.rejected).filter(([, n]) => n > 0);
    const rejectText = rejects.length ? rejects.map(([reason, n]) => `${reason} ${n}`).join(', ') : 'none';
    lines.push(
      `week ${w.week}: ${w.parts} part(s), ${w.linesRead} lines, ${w.accepted} accepted, rejects: ${rejectText}`,
      `  ${w.users} users active, ${w.joined} joined (unmatched: crm ${w.unmatched.crm}, profile ${w.unmatched.profile})`,
      ...w.failed.map((message) => `  ✗ FAILED, not marked complete, not trained on: ${message}`),
      ...w.dirty.map((message) => `  ! dirty, extracted with a warning: ${message}`),
    );
  }
  for (const f of summary.failures)
    lines.push(`✗ ${f.function} gave up on ${f.key ?? 'an event'} (${f.condition}): ${f.error ?? 'no error message'}`);
  return lines;
}
