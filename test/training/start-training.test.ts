/**
 * Starting a run: the start-training handler (on `extracted/week=W/_COMPLETE.json`) starts
 * (W-1 → W) through the real SFN client against the local Step Functions endpoint, and a
 * second notification for the same weeks starts nothing new (the execution name is derived
 * from the inputs), so the weeks are trained once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3Event } from 'aws-lambda';
import { startStepFunctionsEndpoint, type StepFunctionsEndpoint } from '../../infra/local/stepfunctions.ts';
import { localAwsEnv } from '../support/emulators.ts';
import { startTrainingCloud, type TrainingCloud } from './fixtures/cloud.ts';

const completeEvent = (bucket: string, week: string): S3Event =>
  ({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key: `extracted/week=${week}/_COMPLETE.json` } } }] }) as unknown as S3Event;

describe('starting training when a week completes', () => {
  let local: TrainingCloud;
  let sfn: StepFunctionsEndpoint;
  let handler: (event: S3Event) => Promise<{ runs: { runId: string; started: boolean; input: unknown }[] }>;
  const restore: Record<string, string | undefined> = {};
  let trainInvocations = 0;

  beforeAll(async () => {
    local = await startTrainingCloud();
    sfn = await startStepFunctionsEndpoint({
      invoke: (fn, event) => {
        if (local.cloud.functionId(fn).includes('TrainFunction')) trainInvocations++;
        return local.cloud.invoke(fn, event);
      },
      retryIntervalMs: 0,
    });
    sfn.register(local.stateMachineArn, local.cloud.stateMachines[0].definition);
    const env = { ...localAwsEnv(local.cloud), AWS_ENDPOINT_URL_SFN: sfn.endpoint, DATA_BUCKET: local.data, STATE_MACHINE_ARN: local.stateMachineArn };
    for (const [name, value] of Object.entries(env)) {
      restore[name] = process.env[name];
      process.env[name] = value;
    }
    // Imported after the environment is set: the handler makes its clients at load time.
    ({ handler } = await import('../../functions/handlers/start-training.ts'));
  });
  afterAll(async () => {
    for (const [name, value] of Object.entries(restore)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await sfn?.stop();
    await local?.cloud.stop();
  });

  it('does nothing until the week before is complete too', async () => {
    await local.put(local.data, 'extracted/week=1/_COMPLETE.json', '{"parts":["a"]}');
    const result = await handler(completeEvent(local.data, '1'));
    expect(result.runs).toEqual([]);
    expect(sfn.executions.size).toBe(0);
  });

  it('trains (W-1 → W) once, however many times the notification comes', async () => {
    await local.put(local.data, 'extracted/week=0/_COMPLETE.json', '{"parts":["a","b"]}');
    const first = await handler(completeEvent(local.data, '1'));
    await sfn.idle();
    const second = await handler(completeEvent(local.data, '1'));
    // Week 0 completing also pairs with the already complete week 1: the same run again.
    const third = await handler(completeEvent(local.data, '0'));
    await sfn.idle();

    expect(first.runs).toHaveLength(1);
    expect(first.runs[0]).toMatchObject({ started: true, input: { trainWeek: '0', labelWeek: '1' } });
    expect(second.runs).toMatchObject([{ runId: first.runs[0].runId, started: false }]);
    expect(third.runs).toMatchObject([{ runId: first.runs[0].runId, started: false }]);
    expect(sfn.executions.size).toBe(1);
    const [execution] = sfn.executions.values();
    expect(execution.status).toBe('SUCCEEDED');
    expect(trainInvocations).toBe(4); // the default grid, once
  });
});
