/**
 * The `npm start` training stage on the training fixture stack: it starts (0 → 1) through
 * the local Step Functions endpoint, waits, and reports the candidates' AUCs, the gate's
 * decision and the published version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { training, type TrainingSummary } from '../../infra/local/stages/training.ts';
import { startTrainingCloud, type TrainingCloud } from './fixtures/cloud.ts';

describe('npm start training stage', () => {
  let local: TrainingCloud;
  beforeAll(async () => {
    local = await startTrainingCloud();
  });
  afterAll(() => local?.cloud.stop());

  it('trains week 0 → 1 and reports candidates, gate and version', async () => {
    const progress: string[] = [];
    const result = await training.run({
      cloud: local.cloud,
      options: { users: 400, weeks: 2, once: true, seed: 1 },
      results: {},
      progress: (text) => progress.push(text),
      log: () => undefined,
      signal: new AbortController().signal,
    });
    const summary = result.summary as TrainingSummary;
    expect(result.ok).toBe(true);
    expect(summary.runs).toHaveLength(1);
    const [run] = summary.runs;
    expect(run).toMatchObject({ trainWeek: '0', labelWeek: '1', status: 'SUCCEEDED', decision: 'promote' });
    expect(run.candidates).toHaveLength(4);
    expect(summary.currentVersion).toBe(run.version);
    expect(result.lines.filter((l) => /candidate c\d: AUC \d\.\d{4}/.test(l))).toHaveLength(4);
    expect(result.lines).toContain(`models/current.json → ${run.version}`);
    expect(progress.some((p) => p.endsWith(': Train #3'))).toBe(true);
  });
});
