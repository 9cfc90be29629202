/**
 * Stage "prediction": after training, feeds week 1's extracted features to the prediction
 * stream as round after round (functions/aws/prediction/feed.ts), watches its own queue
 * subscribed to the results topic (display-queue.ts, results-watcher.ts: never the users'
 * results queue) and shows predictions and per-round counts live. The first round is
 * awaited and reported; then (not with --once) new rounds keep coming every few seconds
 * until Ctrl-C.
 */
import type { Stage, StageContext } from '#infra/local/pipeline.ts';
import type { LocalCloud } from '#infra/local/cloud.ts';
import { dataBucket } from './resources.ts';
import { STACK_OUTPUTS } from '#infra/stack-outputs.ts';
import { subscribeDisplayQueue } from './display-queue.ts';
import { SITE_TRENDS_KEY, type TrendsDocument } from '#core/prediction/trends.ts';
import { CURRENT_MODEL_KEY } from '#core/training/keys.ts';
import { nextRound, readWeekFeaturesFromS3 } from '#aws/prediction/week-features.ts';
import type { UserFeatures } from '#core/prediction/features-records.ts';
import { abortableSleep, feedRounds } from '#aws/prediction/feed.ts';
import { readJson } from './s3-read.ts';
import { ResultsWatcher } from './results-watcher.ts';

const PREDICTION_WEEK = '1';
/** Pause between the background rounds. */
const ROUND_INTERVAL_MS = 10_000;
/** A round gives up when no result has come for this long (not after a fixed time: rounds grow with users). */
const ROUND_STALL_MS = 60_000;

interface RoundSummary {
  round: number;
  sent: number;
  results: number;
  retained: number;
  seconds: number;
}

export interface PredictionSummary {
  stream?: string;
  modelVersion?: string;
  users?: number;
  rounds: RoundSummary[];
  skipped?: string;
}

interface Prepared {
  stream: string;
  users: UserFeatures[];
  watcher: ResultsWatcher;
  firstRound: number;
}

async function prepare(context: StageContext): Promise<Prepared | string> {
  const { cloud } = context;
  const stream = cloud.outputs[STACK_OUTPUTS.stream];
  if (!stream || !cloud.outputs[STACK_OUTPUTS.topic])
    return 'the stack has no prediction stream or results topic (the Prediction construct is not in infra/stack.ts)';
  const bucket = dataBucket(cloud).name;
  try {
    await readJson(cloud.clients.s3, bucket, CURRENT_MODEL_KEY);
  } catch {
    return 'no model published (models/current.json is missing): nothing to predict with';
  }
  const users = await readWeekFeaturesFromS3(cloud.clients.s3, bucket, PREDICTION_WEEK);
  const watcher = new ResultsWatcher(cloud, await subscribeDisplayQueue(cloud), (line) => context.log(line));
  return { stream, users, watcher, firstRound: await nextRound(cloud.clients.s3, bucket) };
}

async function playRound(context: StageContext, p: Prepared, round: number): Promise<RoundSummary> {
  const started = Date.now();
  await feedRounds(context.cloud.clients.kinesis, p.stream, p.users, {
    first: round,
    rounds: 1,
    intervalMs: 0,
    log: (line) => context.progress(line),
  });
  const tally = await p.watcher.waitFor(round, p.users.length, ROUND_STALL_MS, context.signal, (t) =>
    context.progress(`round ${round}: ${t.results}/${p.users.length} predictions, ${t.retained} retained`),
  );
  return {
    round,
    sent: p.users.length,
    results: tally.results,
    retained: tally.retained,
    seconds: (Date.now() - started) / 1000,
  };
}

const describeRound = (r: RoundSummary) =>
  `round ${r.round}: ${r.results}/${r.sent} users scored, ${r.retained} predicted retained (${((100 * r.retained) / Math.max(1, r.results)).toFixed(1)} %) in ${r.seconds.toFixed(1)} s`;

/** The stage; `intervalMs` is the pause between background rounds (tests shorten it). */
export function createPredictionStage(intervalMs = ROUND_INTERVAL_MS): Stage {
  let running: Prepared | undefined;
  return {
    name: 'prediction',
    title: `Prediction (week ${PREDICTION_WEEK} in rounds → Kinesis → predict Lambda → SNS → subscriber queues, trends)`,
    async run(context) {
      const prepared = await prepare(context);
      if (typeof prepared === 'string')
        return {
          summary: { rounds: [], skipped: prepared } satisfies PredictionSummary,
          lines: [`skipped: ${prepared}`],
        };
      running = prepared;
      prepared.watcher.start();
      const first = await playRound(context, prepared, prepared.firstRound);
      const summary: PredictionSummary = {
        stream: prepared.stream,
        modelVersion: prepared.watcher.modelVersion,
        users: prepared.users.length,
        rounds: [first],
      };
      if (context.options.once) prepared.watcher.stop();
      const trends = await siteTrends(context.cloud);
      return {
        ok: first.results === first.sent,
        summary,
        lines: [
          `${prepared.users.length} users of week ${PREDICTION_WEEK} → ${prepared.stream}, model ${prepared.watcher.modelVersion ?? '?'}`,
          describeRound(first),
          ...(trends ? [describeTrends(trends)] : []),
        ],
      };
    },
    async background(context) {
      const p = running;
      if (!p) return;
      try {
        context.log(`prediction: a new round every ${intervalMs / 1000} s until Ctrl-C`);
        let round = p.firstRound + 1;
        while (!context.signal.aborted) {
          await abortableSleep(intervalMs, context.signal);
          if (context.signal.aborted) break;
          const r = await playRound(context, p, round++);
          context.log(describeRound(r));
          const trends = await siteTrends(context.cloud);
          if (trends) context.log(describeTrends(trends));
        }
      } finally {
        p.watcher.stop();
        running = undefined;
      }
    },
  };
}

export const prediction: Stage = createPredictionStage();

const describeTrends = (t: TrendsDocument) =>
  `data/trends.json (predicted retained/scored, expected to return, by round): ${t.rounds
    .slice(-8)
    .map(
      (r) =>
        `${r.round}: ${r.retained}/${r.scored} ~${r.expectedRetained === undefined ? '?' : Math.round(r.expectedRetained)}`,
    )
    .join('  ')}`;

async function siteTrends(cloud: LocalCloud): Promise<TrendsDocument | undefined> {
  // A stack without the dashboard (a test fixture) has no site to read trends from.
  const site = cloud.outputs[STACK_OUTPUTS.siteBucket];
  if (site === undefined) return undefined;
  await cloud.idle();
  return readJson<TrendsDocument>(cloud.clients.s3, site, SITE_TRENDS_KEY).catch(() => undefined);
}
