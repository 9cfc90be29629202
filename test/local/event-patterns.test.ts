/**
 * The local EventBridge matcher on the pattern features the stack uses (value lists, nested
 * fields, the "any element of an array" rule), against events built as Step Functions sends
 * them; and the features it does not implement are named, not matched wrongly.
 */
import { describe, expect, it } from 'vitest';
import { matchesEventPattern, unsupportedPatternFeature } from '#infra/local/event-patterns.ts';
import { executionStatusChange } from '#infra/local/execution-events.ts';
import type { LocalExecution } from '#infra/local/stepfunctions.ts';

const MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:Training';

const ended = (status: LocalExecution['status'], stateMachineArn = MACHINE): LocalExecution => ({
  executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:run-1`,
  stateMachineArn,
  name: 'run-1',
  input: '{"trainWeek":"3","labelWeek":"4"}',
  startDate: new Date('2026-12-02T06:00:00.250Z'),
  stopDate: new Date('2026-12-02T06:01:30.500Z'),
  status,
  ...(status === 'SUCCEEDED' ? { output: '{"decision":"promote"}' } : { error: 'PrepareFailed', cause: 'no rows' }),
  done: Promise.resolve(),
});
const where = { region: 'us-east-1', account: '000000000000' };

/** The stack's pattern (infra/constructs/outcomes.ts), resolved. */
const TRAINING_SUCCEEDED = {
  source: ['aws.states'],
  'detail-type': ['Step Functions Execution Status Change'],
  detail: { status: ['SUCCEEDED'], stateMachineArn: [MACHINE] },
};

describe('Step Functions status-change events', () => {
  it('have the fields AWS sends, dates in epoch milliseconds', () => {
    const event = executionStatusChange(ended('SUCCEEDED'), where);
    expect(event).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: '000000000000',
      time: '2026-12-02T06:01:30Z',
      region: 'us-east-1',
      resources: [`${MACHINE.replace(':stateMachine:', ':execution:')}:run-1`],
      detail: {
        executionArn: `${MACHINE.replace(':stateMachine:', ':execution:')}:run-1`,
        stateMachineArn: MACHINE,
        name: 'run-1',
        status: 'SUCCEEDED',
        startDate: Date.parse('2026-12-02T06:00:00.250Z'),
        stopDate: Date.parse('2026-12-02T06:01:30.500Z'),
        input: '{"trainWeek":"3","labelWeek":"4"}',
        inputDetails: { included: true },
        output: '{"decision":"promote"}',
        outputDetails: { included: true },
        error: null,
        cause: null,
      },
    });
  });

  it('carry no output from a failed execution, and its error and cause', () => {
    const { detail } = executionStatusChange(ended('FAILED'), where);
    expect(detail).toMatchObject({ status: 'FAILED', output: null, outputDetails: null, error: 'PrepareFailed' });
    expect(detail.cause).toBe('no rows');
  });
});

describe('matching event patterns', () => {
  it('matches the training-succeeded rule only for that state machine’s successes', () => {
    expect(unsupportedPatternFeature(TRAINING_SUCCEEDED)).toBeUndefined();
    const match = (e: LocalExecution) => matchesEventPattern(TRAINING_SUCCEEDED, executionStatusChange(e, where));
    expect(match(ended('SUCCEEDED'))).toBe(true);
    expect(match(ended('FAILED'))).toBe(false);
    expect(match(ended('SUCCEEDED', `${MACHINE}Other`))).toBe(false);
  });

  it('needs every field, accepts any listed value, and any element of an array', () => {
    const pattern = { source: ['a', 'b'], detail: { n: [1, 2], flag: [true], none: [null] } };
    const event = { source: 'b', detail: { n: 2, flag: true, none: null, extra: 'x' } };
    expect(matchesEventPattern(pattern, event)).toBe(true);
    expect(matchesEventPattern(pattern, { ...event, source: 'c' })).toBe(false);
    expect(matchesEventPattern(pattern, { ...event, detail: { ...event.detail, n: '2' } })).toBe(false);
    const { none: _none, ...withoutNone } = event.detail;
    expect(matchesEventPattern(pattern, { ...event, detail: withoutNone })).toBe(false); // absent is not null
    expect(matchesEventPattern(pattern, { ...event, detail: 'flat' })).toBe(false);
    expect(matchesEventPattern({ resources: ['r2'] }, { resources: ['r1', 'r2'] })).toBe(true);
    expect(matchesEventPattern({ resources: ['r3'] }, { resources: ['r1', 'r2'] })).toBe(false);
  });

  it('names the features it does not implement instead of matching them', () => {
    expect(unsupportedPatternFeature({ detail: { status: [{ 'anything-but': 'FAILED' }] } })).toBe(
      'detail.status: the content filter {"anything-but":"FAILED"}',
    );
    expect(unsupportedPatternFeature({ source: [{ prefix: 'aws.' }] })).toMatch(/^source: the content filter/);
    expect(unsupportedPatternFeature({ source: 'aws.states' })).toBe('source: a field must list the values it accepts');
    expect(unsupportedPatternFeature({ source: [] })).toBe('source: a field must list the values it accepts');
    expect(unsupportedPatternFeature('nope')).toBe('the pattern is not an object');
  });
});
