/**
 * How far prediction scales, from CDK context (cdk.json, `-c key=value`, or buildApp's
 * `context`); a wrong value fails synthesis with a readable error. docs/prediction.md
 * ("Capacity") gives the arithmetic from records/s to these numbers.
 *
 *   retention:prediction:streamMode              "provisioned" (default) or "on-demand"
 *   retention:prediction:shardCount              provisioned shards, default 1 (1,000 records/s in each)
 *   retention:prediction:parallelizationFactor   predict invocations per shard at once, 1..10 (default 1)
 *   retention:prediction:batchSize               records per predict invocation, 1..10000 (default 500)
 *   retention:prediction:atRiskSize              users in data/at-risk.json, 1..10000 (default 1000)
 *   retention:prediction:resultsPerMessage       results a results message carries at most, 1..1000 (default 100)
 *   retention:prediction:trendsBatchSize         trend-part events per trends invocation, 1..10000 (default 1000)
 *   retention:prediction:trendsBatchingWindowSeconds  how long the trends mapping gathers a batch, 1..300 (default 5)
 */
import type { Node } from 'constructs';
import { DEFAULT_AT_RISK_SIZE, MAX_AT_RISK_SIZE } from '#core/prediction/at-risk.ts';
import { DEFAULT_RESULTS_PER_MESSAGE, MAX_RESULTS_PER_MESSAGE } from '#core/prediction/result.ts';

export interface StreamScaling {
  readonly streamMode: 'provisioned' | 'on-demand';
  /** Provisioned mode only. */
  readonly shardCount?: number;
  readonly parallelizationFactor: number;
  readonly batchSize: number;
}

const KEY = 'retention:prediction';

export function readStreamScaling(node: Node): StreamScaling {
  const context = (name: string): unknown => node.tryGetContext(`${KEY}:${name}`);
  const streamMode = String(context('streamMode') ?? 'provisioned');
  if (streamMode !== 'provisioned' && streamMode !== 'on-demand')
    throw new Error(`${KEY}:streamMode must be "provisioned" or "on-demand", got "${streamMode}"`);
  const parallelizationFactor = wholeNumber(context('parallelizationFactor'), 'parallelizationFactor', 1, 10, 1);
  const batchSize = wholeNumber(context('batchSize'), 'batchSize', 1, 10_000, 500);
  if (streamMode === 'on-demand') {
    if (context('shardCount') !== undefined)
      throw new Error(`${KEY}:shardCount applies to provisioned streams only: on-demand streams size themselves`);
    return { streamMode, parallelizationFactor, batchSize };
  }
  const shardCount = wholeNumber(context('shardCount'), 'shardCount', 1, 500, 1);
  return { streamMode, shardCount, parallelizationFactor, batchSize };
}

/** The at-risk list's size: each trend part carries that many users at most, and so does the list. */
export function readAtRiskSize(node: Node): number {
  const raw: unknown = node.tryGetContext(`${KEY}:atRiskSize`);
  return wholeNumber(raw, 'atRiskSize', 1, MAX_AT_RISK_SIZE, DEFAULT_AT_RISK_SIZE);
}

/** Results a message carries: fewer messages for every subscriber to receive and delete. */
export function readResultsPerMessage(node: Node): number {
  const raw: unknown = node.tryGetContext(`${KEY}:resultsPerMessage`);
  return wholeNumber(raw, 'resultsPerMessage', 1, MAX_RESULTS_PER_MESSAGE, DEFAULT_RESULTS_PER_MESSAGE);
}

export interface TrendsBatching {
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
}

/**
 * How the trends function reads its queue of part events: a burst of parts (one a predict
 * batch and round) is counted by a few invocations instead of one each. Lambda requires a
 * window of a second at least for batches above 10.
 */
export function readTrendsBatching(node: Node): TrendsBatching {
  const context = (name: string): unknown => node.tryGetContext(`${KEY}:${name}`);
  return {
    batchSize: wholeNumber(context('trendsBatchSize'), 'trendsBatchSize', 1, 10_000, 1000),
    batchingWindowSeconds: wholeNumber(
      context('trendsBatchingWindowSeconds'),
      'trendsBatchingWindowSeconds',
      1,
      300,
      5,
    ),
  };
}

function wholeNumber(raw: unknown, name: string, min: number, max: number, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${KEY}:${name} must be a whole number ${min}..${max}, got "${String(raw)}"`);
  return value;
}
