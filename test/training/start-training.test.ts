/**
 * Starting a run: the StartTraining bundle (on `extracted/week=W/_COMPLETE.json`) starts
 * (W-1 → W) through the real SFN client against the local cloud's Step Functions endpoint,
 * and a second notification for the same weeks starts nothing new (the execution name is
 * derived from the inputs), so the weeks are trained once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTrainingCloud, type TrainingCloud } from './fixtures/cloud.ts';

const completeEvent = (bucket: string, week: string) => ({
  Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key: `extracted/week=${week}/_COMPLETE.json` } } }],
});

interface StartResult {
  runs: { runId: string; started: boolean; input: unknown }[];
}

describe('starting training when a week completes', () => {
  let local: TrainingCloud;
  let trainInvocations = 0;
  const notify = async (week: string): Promise<StartResult> => {
    const result = await local.cloud.invoke('TrainingStartTraining', completeEvent(local.data, week));
    if (!result.ok) throw new Error(`${result.error?.errorType}: ${result.error?.errorMessage}`);
    return result.payload as StartResult;
  };

  beforeAll(async () => {
    local = await startTrainingCloud();
    local.cloud.subscribe((a) => {
      if (a.kind === 'invoke' && a.function.startsWith('TrainingTrainFunction')) trainInvocations++;
    });
  });
  afterAll(() => local?.cloud.stop());

  it('does nothing until the week before is complete too', async () => {
    await local.put(local.data, 'extracted/week=1/_COMPLETE.json', '{"parts":["a"]}');
    expect((await notify('1')).runs).toEqual([]);
    expect(local.cloud.stepFunctions.executions.size).toBe(0);
  });

  it('trains (W-1 → W) once, however many times the notification comes', async () => {
    await local.put(local.data, 'extracted/week=0/_COMPLETE.json', '{"parts":["a","b"]}');
    const first = await notify('1');
    await local.cloud.stepFunctions.idle();
    const second = await notify('1');
    // Week 0 completing also pairs with the already complete week 1: the same run again.
    const third = await notify('0');
    await local.cloud.stepFunctions.idle();

    expect(first.runs).toHaveLength(1);
    expect(first.runs[0]).toMatchObject({ started: true, input: { trainWeek: '0', labelWeek: '1' } });
    expect(second.runs).toMatchObject([{ runId: first.runs[0].runId, started: false }]);
    expect(third.runs).toMatchObject([{ runId: first.runs[0].runId, started: false }]);
    expect(local.cloud.stepFunctions.executions.size).toBe(1);
    const [execution] = local.cloud.stepFunctions.executions.values();
    expect(execution.name).toBe(first.runs[0].runId);
    expect(execution.status).toBe('SUCCEEDED');
    expect(trainInvocations).toBe(4); // the default grid, once
  });
});
