/** The stage runner of `npm start`: order, summaries, stopping at the first failure. */
import { describe, expect, it } from 'vitest';
import { runStages, type Console, type Stage } from '#infra/local/pipeline.ts';
import type { LocalCloud } from '#infra/local/cloud.ts';

const options = { users: 10, weeks: 3, once: true, seed: 1 };
// The runner only hands the cloud to stages; these stages do not touch it.
const cloud = {} as LocalCloud;

function recordingConsole(): Console & { lines: string[] } {
  const lines: string[] = [];
  return { lines, line: (t) => lines.push(t), status: () => undefined };
}

const stage = (name: string, run: Stage['run']): Stage => ({ name, title: `Stage ${name}`, run });

describe('runStages', () => {
  it('runs stages in order, each seeing the summaries before it', async () => {
    const seen: unknown[] = [];
    const stages = [
      stage('a', async () => ({ summary: { n: 1 }, lines: ['did a'] })),
      stage('b', async ({ results }) => {
        seen.push(results.a);
        return { summary: { n: 2 }, lines: ['did b'] };
      }),
    ];
    const console = recordingConsole();
    const report = await runStages(stages, { cloud, options, signal: new AbortController().signal, console });
    expect(report.ok).toBe(true);
    expect(seen).toEqual([{ n: 1 }]);
    expect(report.stages.map((s) => [s.name, s.status, s.summary])).toEqual([
      ['a', 'ok', { n: 1 }],
      ['b', 'ok', { n: 2 }],
    ]);
    expect(console.lines).toContain('  did b');
  });

  it('stops at a failed stage, reports its error and skips the rest', async () => {
    const stages = [
      stage('a', async () => ({ summary: {}, lines: [], ok: false })),
      stage('b', async () => ({ summary: {}, lines: [] })),
    ];
    const report = await runStages(stages, {
      cloud,
      options,
      signal: new AbortController().signal,
      console: recordingConsole(),
    });
    expect(report.ok).toBe(false);
    expect(report.stages.map((s) => s.status)).toEqual(['failed', 'skipped']);

    const throwing = [
      stage('x', async () => Promise.reject(new Error('no data bucket'))),
      stage('y', async () => ({ summary: {}, lines: [] })),
    ];
    const second = await runStages(throwing, {
      cloud,
      options,
      signal: new AbortController().signal,
      console: recordingConsole(),
    });
    expect(second.stages[0]).toMatchObject({ name: 'x', status: 'failed', error: 'no data bucket' });
    expect(second.stages[1]?.status).toBe('skipped');
  });
});
