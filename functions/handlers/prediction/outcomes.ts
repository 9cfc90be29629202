/**
 * Outcomes: were last week's predictions right? Invoked with events of two kinds: a predict
 * batch's scored part (S3, `predictions/scored/week=<W>/…`, week W) and a training execution
 * that succeeded (EventBridge's "Step Functions Execution Status Change": training W → W+1
 * runs once week W+1 is completely extracted). Either way week W's outcome is recomputed from
 * every kept part and week W+1's active users, and replaced in the site's data/outcomes.json
 * (reserved concurrency 1: updates never race). Until W+1 is complete there is nothing to
 * compare with, and the event costs a listing. A realized AUC is published as a metric; the
 * stack's alarm fires when one is below the gate's floor.
 */
import type { S3Event } from 'aws-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { decodeEventKey } from '#core/prediction/trends.ts';
import { weekOfScoredKey } from '#core/prediction/scored.ts';
import { REALIZED_AUC_METRIC } from '#core/prediction/outcomes.ts';
import { previousWeek } from '#core/weeks.ts';
import { updateWeekOutcome, type OutcomeUpdate } from '#aws/prediction/outcomes-store.ts';
import { requireEnv, s3Client } from '#aws/clients.ts';
import { isExecutionStatusEvent, type ExecutionStatusEvent } from '#aws/step-functions-events.ts';
import { succeededLabelWeek } from '#aws/training/execution-events.ts';
import { lazyHandler } from '#aws/lambda-handler.ts';

export interface OutcomesDeps {
  readonly s3: S3Client;
  readonly dataBucket: string;
  readonly siteBucket: string;
  /** The training gate's AUC floor. */
  readonly floor: number;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
}

export interface OutcomesResponse {
  readonly weeks: { readonly week: number; readonly update: OutcomeUpdate }[];
  /** Why the event named no week to judge (a training run that did not succeed, an input without weeks). */
  readonly skipped?: string;
}

export function createOutcomesHandler(deps: OutcomesDeps) {
  const logger = deps.logger ?? new Logger({ serviceName: 'outcomes' });
  const at = { dataBucket: deps.dataBucket, siteBucket: deps.siteBucket, floor: deps.floor };
  return async function outcomes(event: S3Event | ExecutionStatusEvent): Promise<OutcomesResponse> {
    const weeks: OutcomesResponse['weeks'] = [];
    const judged = isExecutionStatusEvent(event) ? weekBeforeLabelWeek(event) : scoredWeeks(event);
    if ('skipped' in judged) logger.info('nothing to judge', { reason: judged.skipped });
    for (const week of 'weeks' in judged ? judged.weeks : []) {
      const update = await updateWeekOutcome(deps.s3, at, week);
      weeks.push({ week, update });
      if (update.status === 'waiting') continue;
      const { outcome } = update;
      if (outcome.belowFloor)
        logger.warn('realized AUC below the gate floor', { week, realizedAuc: outcome.realizedAuc, floor: deps.floor });
      else logger.info('week outcome', { week, status: update.status, outcome });
      if (deps.metrics && outcome.realizedAuc !== null)
        deps.metrics.addMetric(REALIZED_AUC_METRIC, MetricUnit.NoUnit, outcome.realizedAuc);
    }
    deps.metrics?.publishStoredMetrics();
    return 'skipped' in judged ? { weeks, skipped: judged.skipped } : { weeks };
  };
}

type JudgedWeeks = { readonly weeks: number[] } | { readonly skipped: string };

/** The weeks of the scored parts the event's keys name, ascending (other keys are not ours). */
function scoredWeeks(event: S3Event): JudgedWeeks {
  const weeks = new Set<number>();
  for (const record of event.Records ?? []) {
    const scored = weekOfScoredKey(decodeEventKey(record.s3.object.key));
    if (scored !== undefined) weeks.add(scored);
  }
  return { weeks: [...weeks].sort((a, b) => a - b) };
}

/** The week before a successful training run's label week (numbered weeks only: records name weeks by number). */
function weekBeforeLabelWeek(event: ExecutionStatusEvent): JudgedWeeks {
  const label = succeededLabelWeek(event);
  if ('skipped' in label) return label;
  const before = /^\d+$/.test(label.week) ? previousWeek(label.week) : undefined;
  if (before === undefined) return { skipped: `label week ${label.week} has no numbered week before it` };
  return { weeks: [Number(before)] };
}

function outcomesDepsFromEnv(): OutcomesDeps {
  const floor = Number(requireEnv('GATE_FLOOR'));
  if (!Number.isFinite(floor)) throw new Error(`GATE_FLOOR must be a number, got ${process.env.GATE_FLOOR}`);
  return {
    s3: s3Client(),
    dataBucket: requireEnv('DATA_BUCKET'),
    siteBucket: requireEnv('SITE_BUCKET'),
    floor,
    metrics: new Metrics({
      namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'RetentionForest',
      serviceName: 'outcomes',
    }),
  };
}

export const handler = lazyHandler(() => createOutcomesHandler(outcomesDepsFromEnv()));
