/**
 * The outcomes failure queue holds two kinds of message about a training run's event: Lambda's
 * destination record (the function gave up after its retries) and the event itself, which
 * EventBridge puts in the rule target's dead-letter queue when it could not deliver it (target
 * and error in the message attributes). Both are shown with the execution they are about, and
 * both are redriven to the function with the original event (emulated SQS, the local Lambda API).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { peekFailures, queueDepth, redriveFailures } from '#aws/failure-queue.ts';
import { executionStatusChange } from '#infra/local/execution-events.ts';
import { LOCAL_CREDENTIALS } from '#infra/local/emulators.ts';
import { startLambdaApi, type LambdaApi } from '#infra/local/lambda-api.ts';
import { startTestEmulators, type TestEmulators } from '#test/support/emulators.ts';

const FUNCTION = 'arn:aws:lambda:us-east-1:000000000000:function:outcomes';
const event = executionStatusChange(
  {
    executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Training:run-4',
    stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Training',
    name: 'run-4',
    input: '{"trainWeek":"3","labelWeek":"4"}',
    startDate: new Date('2026-12-02T06:00:00Z'),
    stopDate: new Date('2026-12-02T06:01:00Z'),
    status: 'SUCCEEDED',
    output: '{}',
    done: Promise.resolve(),
  },
  { region: 'us-east-1', account: '000000000000' },
);
const text = (value: string) => ({ DataType: 'String', StringValue: value });

describe('training-run events in the outcomes failure queue', () => {
  let local: TestEmulators;
  let lambdaApi: LambdaApi;
  let queueUrl: string;
  const invoked: { id: string; event: unknown }[] = [];
  beforeAll(async () => {
    local = await startTestEmulators();
    lambdaApi = await startLambdaApi({
      functionId: (nameOrArn) => nameOrArn,
      invokeAsync: async (id, e) => invoked.push({ id, event: e }),
    });
    queueUrl = (await local.sqs.send(new CreateQueueCommand({ QueueName: 'outcomes-failures' }))).QueueUrl ?? '';
    // What Lambda's on-failure destination receives after the function's retries…
    const record = {
      timestamp: '2026-12-02T06:02:00.000Z',
      requestContext: { functionArn: `${FUNCTION}:$LATEST`, condition: 'RetriesExhausted' },
      requestPayload: event,
      responsePayload: { errorType: 'Error', errorMessage: 'missing active_users.txt' },
    };
    await local.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(record) }));
    // …and what EventBridge puts in the target's dead-letter queue when it cannot invoke it.
    await local.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(event),
        MessageAttributes: {
          RULE_ARN: text('arn:aws:events:us-east-1:000000000000:rule/TrainingSucceeded'),
          TARGET_ARN: text(FUNCTION),
          ERROR_CODE: text('NO_PERMISSIONS'),
          ERROR_MESSAGE: text('not authorized to invoke'),
          EXHAUSTED_RETRY_CONDITION: text('MaximumRetryAttempts'),
        },
      }),
    );
  });
  afterAll(async () => {
    await lambdaApi?.stop();
    await local?.stop();
  });

  it('shows both with the execution they are about, the function and the error', async () => {
    const failures = await peekFailures(local.sqs, queueUrl, 10);
    const described = failures.map(({ messageId: _id, timestamp: _t, ...rest }) => rest);
    expect(described).toEqual(
      expect.arrayContaining([
        {
          functionArn: `${FUNCTION}:$LATEST`,
          condition: 'RetriesExhausted',
          error: 'Error: missing active_users.txt',
          subjects: ['execution run-4 SUCCEEDED'],
          requestPayload: event,
        },
        {
          functionArn: FUNCTION,
          condition: 'MaximumRetryAttempts',
          error: 'NO_PERMISSIONS: not authorized to invoke',
          subjects: ['execution run-4 SUCCEEDED'],
          requestPayload: event,
        },
      ]),
    );
    expect(described).toHaveLength(2);
    expect(await queueDepth(local.sqs, queueUrl)).toBe(2);
  });

  it('redrives the original event of both to the function', async () => {
    const lambda = new LambdaClient({
      region: 'us-east-1',
      endpoint: lambdaApi.endpoint,
      credentials: LOCAL_CREDENTIALS,
    });
    try {
      const outcome = await redriveFailures(local.sqs, lambda, queueUrl, 10);
      expect(outcome.kept).toEqual([]);
      expect(outcome.redriven).toHaveLength(2);
    } finally {
      lambda.destroy();
    }
    expect(invoked).toEqual([
      { id: FUNCTION, event },
      { id: FUNCTION, event },
    ]);
    expect(await queueDepth(local.sqs, queueUrl)).toBe(0);
  });
});
