/**
 * Starting a run, as deployed: a week's `_COMPLETE.json` upload → the S3 notification → the
 * StartTraining bundle → the real SFN client → the local cloud's Step Functions endpoint.
 * Training (W-1 → W) starts once both weeks are complete, and more notifications for the
 * same weeks start nothing new (the execution name is derived from the inputs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTrainingCloud, type TrainingCloud } from './fixtures/cloud.ts';
import { defined } from '#test/support/defined.ts';

interface StartResult {
  runs: { runId: string; started: boolean; input: unknown }[];
}

describe('starting training when a week completes', () => {
  let local: TrainingCloud;
  let trainInvocations = 0;
  const settle = async () => {
    await local.cloud.idle();
    await local.cloud.stepFunctions.idle();
  };
  const markComplete = async (week: string, parts: string[]) => {
    await local.put(local.data, `extracted/week=${week}/_COMPLETE.json`, JSON.stringify({ parts }));
    await settle();
  };

  beforeAll(async () => {
    local = await startTrainingCloud({ 'test:autoStart': true });
    local.cloud.subscribe((a) => {
      if (a.kind === 'invoke' && a.function.startsWith('TrainingTrainFunction')) trainInvocations++;
    });
  });
  afterAll(() => local?.cloud.stop());

  it('does nothing until the week before is complete too', async () => {
    await markComplete('1', ['a']);
    expect(local.cloud.stepFunctions.executions.size).toBe(0);
    expect(local.cloud.asyncFailures).toEqual([]);
  });

  it('trains (W-1 → W) once the pair is complete, however many notifications follow', async () => {
    await markComplete('0', ['a', 'b']);
    expect(local.cloud.stepFunctions.executions.size).toBe(1);
    const execution = defined([...local.cloud.stepFunctions.executions.values()][0], 'the execution');
    expect(JSON.parse(execution.input)).toEqual({ trainWeek: '0', labelWeek: '1' });
    expect(execution.status).toBe('SUCCEEDED');

    // The same markers again (an S3 retry, a re-upload of identical content), and a direct call.
    await markComplete('0', ['a', 'b']);
    await markComplete('1', ['a']);
    const event = {
      Records: [
        {
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: local.data }, object: { key: 'extracted/week=1/_COMPLETE.json' } },
        },
      ],
    };
    const direct = await local.cloud.invoke('TrainingStartTraining', event);
    await settle();
    expect((direct.payload as StartResult).runs).toMatchObject([{ runId: execution.name, started: false }]);
    expect(local.cloud.stepFunctions.executions.size).toBe(1);
    expect(trainInvocations).toBe(4); // the default grid, once
    expect(local.cloud.asyncFailures).toEqual([]);
  });
});
