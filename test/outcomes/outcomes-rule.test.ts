/**
 * Outcomes triggered the way AWS triggers them, end to end on the local cloud: the training
 * fixture stack with the Outcomes construct; a week's scored part arrives before the next week
 * is complete (judged "waiting"); the two weeks' completion markers start training through
 * StartTraining; the execution's success goes, as a "Step Functions Execution Status Change"
 * event, through the stack's EventBridge rule to the outcomes function, which writes
 * data/outcomes.json. A failed execution matches no rule and judges nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { scoredPartKey, type ScoredPart } from '#core/prediction/scored.ts';
import { LOCAL_CREDENTIALS } from '#infra/local/emulators.ts';
import type { Activity } from '#infra/local/cloud.ts';
import { listKeys, readText } from '#test/support/local-cloud.ts';
import { startTrainingCloud, type TrainingCloud } from '#test/training/fixtures/cloud.ts';

describe('outcomes through the EventBridge rule on training', () => {
  let local: TrainingCloud;
  const seen: Activity[] = [];
  const settle = async () => {
    await local.cloud.idle();
    await local.cloud.stepFunctions.idle();
    await local.cloud.idle();
  };
  const outcomesId = () => {
    const id = local.cloud.functionId('OutcomesOutcomesFunction');
    return { id, arn: local.cloud.resources.functions[id]?.arn };
  };
  const outcomesInvocations = () =>
    seen.filter((a) => a.kind === 'invoke' && a.function === outcomesId().id && a.trigger === 'async');

  beforeAll(async () => {
    local = await startTrainingCloud({ 'test:autoStart': true, 'test:outcomes': true });
    local.cloud.subscribe((a) => seen.push(a));
  });
  afterAll(() => local?.cloud.stop());

  it('waits on a scored part while the next week is incomplete', async () => {
    // Users 1–6 of week 0; 4, 5 and 6 are active in week 1 (the fixture's rule: pc ≥ 3).
    const part: ScoredPart = {
      formatVersion: 1,
      week: 0,
      shardId: 'shardId-000000000000',
      firstSequenceNumber: '1',
      writtenAt: '2026-12-01T00:00:00.000Z',
      users: [0.1, 0.2, 0.3, 0.7, 0.8, 0.9].map((probability, i) => ({
        userId: i + 1,
        probability,
        modelVersion: 'v1',
      })),
    };
    await local.put(local.data, scoredPartKey(0, part.shardId, '1'), JSON.stringify(part));
    await settle();
    expect(outcomesInvocations()).toHaveLength(1); // the S3 notification
    expect(await listKeys(local.cloud.clients.s3, local.site, 'data/')).toEqual([]);
  });

  it('judges the week when training on it succeeds, through the rule', async () => {
    await local.put(local.data, 'extracted/week=0/_COMPLETE.json', JSON.stringify({ parts: ['a', 'b'] }));
    await local.put(local.data, 'extracted/week=1/_COMPLETE.json', JSON.stringify({ parts: ['a'] }));
    await settle();
    const executions = [...local.cloud.stepFunctions.executions.values()];
    expect(executions.map((e) => [JSON.parse(e.input), e.status])).toEqual([
      [{ trainWeek: '0', labelWeek: '1' }, 'SUCCEEDED'],
    ]);
    const rules = seen.filter((a) => a.kind === 'rule');
    expect(rules).toEqual([
      { kind: 'rule', rule: expect.stringMatching(/^OutcomesTrainingSucceeded/), target: outcomesId().arn },
    ]);
    expect(outcomesInvocations()).toHaveLength(2);
    const document = JSON.parse(await readText(local.cloud.clients.s3, local.site, 'data/outcomes.json'));
    expect(document.weeks).toEqual([
      expect.objectContaining({
        week: 0,
        outcomeWeek: 1,
        usersScored: 6,
        actualRetained: 3,
        realizedAuc: 1,
        modelVersions: [{ version: 'v1', users: 6 }],
      }),
    ]);
    expect(local.cloud.asyncFailures).toEqual([]);
  });

  it('lets a failed execution pass: no rule matches it', async () => {
    const sfn = new SFNClient({
      region: local.cloud.region,
      endpoint: local.cloud.stepFunctions.endpoint,
      credentials: LOCAL_CREDENTIALS,
    });
    try {
      // Weeks that were never extracted: Prepare fails, and so does the execution.
      const input = JSON.stringify({ trainWeek: '7', labelWeek: '8' });
      await sfn.send(new StartExecutionCommand({ stateMachineArn: local.stateMachineArn, name: 'no-weeks', input }));
    } finally {
      sfn.destroy();
    }
    await settle();
    const failed = [...local.cloud.stepFunctions.executions.values()].find((e) => e.name === 'no-weeks');
    expect(failed?.status).toBe('FAILED');
    expect(seen.filter((a) => a.kind === 'rule')).toHaveLength(1);
    expect(outcomesInvocations()).toHaveLength(2);
  });
});
