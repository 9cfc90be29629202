/**
 * Stage "prediction": after training, feeds every extracted week to the prediction stream as
 * one round each, in week order (round r = week r on a fresh cloud; each record names its
 * week: functions/aws/prediction/feed.ts), watches its own queue subscribed to the results
 * topic (display-queue.ts, results-watcher.ts: never the users' results queue) and shows
 * predictions and per-round counts live. Each week whose next week is extracted gets its
 * outcome in data/outcomes.json (were we right?). Then (not with --once) the demo moves on:
 * a new week is generated, uploaded, extracted and trained on as the pipeline does
 * (demo-week.ts), and predicted, so trends and outcomes change while it runs.
 */
import type { Stage, StageContext } from '#infra/local/pipeline.ts';
import type { LocalCloud } from '#infra/local/cloud.ts';
import { dataBucket } from './resources.ts';
import { STACK_OUTPUTS } from '#infra/stack-outputs.ts';
import { subscribeDisplayQueue } from './display-queue.ts';
import { SITE_TRENDS_KEY, type TrendsDocument } from '#core/prediction/trends.ts';
import { SITE_OUTCOMES_KEY, type OutcomesDocument, type WeekOutcome } from '#core/prediction/outcomes.ts';
import { CURRENT_MODEL_KEY } from '#core/training/keys.ts';
import { nextRound, readWeekFeaturesFromS3 } from '#aws/prediction/week-features.ts';
import { listFolders } from '#aws/s3-list.ts';
import { abortableSleep, feedRounds } from '#aws/prediction/feed.ts';
import { readJson } from './s3-read.ts';
import { ResultsWatcher } from './results-watcher.ts';
import { addDemoWeek, type AddedWeek } from './demo-week.ts';

/** Pause between the background weeks. */
const ROUND_INTERVAL_MS = 10_000;
/** A round gives up when no result has come for this long (not after a fixed time: rounds grow with users). */
const ROUND_STALL_MS = 60_000;

interface RoundSummary {
  round: number;
  week: number;
  sent: number;
  results: number;
  retained: number;
  seconds: number;
}

export interface PredictionSummary {
  stream?: string;
  modelVersion?: string;
  /** Users fed per round, in round order. */
  users?: number[];
  rounds: RoundSummary[];
  /** data/outcomes.json's weeks after the rounds (absent when the stack has no site). */
  outcomes?: WeekOutcome[];
  skipped?: string;
}

interface Prepared {
  stream: string;
  bucket: string;
  weeks: number[];
  watcher: ResultsWatcher;
  /** Round of week weeks[0]; each later week adds its distance. */
  roundOfWeek: (week: number) => number;
  /** The last round fed: a week fed again gets a new round. */
  lastRound: number;
}

/** Numbered weeks with extracted features, ascending (records name weeks by number). */
async function extractedWeeks(cloud: LocalCloud, bucket: string): Promise<number[]> {
  const folders = await listFolders(cloud.clients.s3, bucket, 'extracted/');
  return folders
    .map((f) => /^extracted\/week=(\d+)\/$/.exec(f)?.[1])
    .filter((w): w is string => w !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
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
  const weeks = await extractedWeeks(cloud, bucket);
  if (weeks.length === 0) return 'no extracted week to predict';
  const watcher = new ResultsWatcher(cloud, await subscribeDisplayQueue(cloud), (line) => context.log(line));
  // A fresh cloud: round r is week r. Rounds already counted (a kept state) push them later.
  const offset = Math.max(0, (await nextRound(cloud.clients.s3, bucket)) - (weeks[0] ?? 0));
  return { stream, bucket, weeks, watcher, roundOfWeek: (week) => week + offset, lastRound: -1 };
}

async function playWeek(context: StageContext, p: Prepared, week: number): Promise<RoundSummary> {
  const started = Date.now();
  const round = Math.max(p.roundOfWeek(week), p.lastRound + 1);
  p.lastRound = round;
  const users = await readWeekFeaturesFromS3(context.cloud.clients.s3, p.bucket, String(week));
  await feedRounds(context.cloud.clients.kinesis, p.stream, users, {
    first: round,
    rounds: 1,
    week,
    intervalMs: 0,
    log: (line) => context.progress(line),
  });
  const tally = await p.watcher.waitFor(round, users.length, ROUND_STALL_MS, context.signal, (t) =>
    context.progress(`round ${round} (week ${week}): ${t.results}/${users.length} predictions, ${t.retained} retained`),
  );
  return {
    round,
    week,
    sent: users.length,
    results: tally.results,
    retained: tally.retained,
    seconds: (Date.now() - started) / 1000,
  };
}

const describeRound = (r: RoundSummary) =>
  `round ${r.round} (week ${r.week}): ${r.results}/${r.sent} users scored, ${r.retained} predicted retained (${((100 * r.retained) / Math.max(1, r.results)).toFixed(1)} %) in ${r.seconds.toFixed(1)} s`;

export interface PredictionStageOptions {
  /** Pause between background weeks (tests shorten it). */
  readonly intervalMs?: number;
  /** Adds the next week in the background; default: the demo generator's next week (demo-week.ts). */
  readonly addWeek?: (context: StageContext, week: number) => Promise<AddedWeek | undefined>;
}

export function createPredictionStage(options: PredictionStageOptions = {}): Stage {
  const intervalMs = options.intervalMs ?? ROUND_INTERVAL_MS;
  const addWeek = options.addWeek ?? addDemoWeek;
  let running: Prepared | undefined;
  return {
    name: 'prediction',
    title: 'Prediction (each week a round → Kinesis → predict Lambda → SNS → subscriber queues, trends, outcomes)',
    async run(context) {
      const prepared = await prepare(context);
      if (typeof prepared === 'string')
        return {
          summary: { rounds: [], skipped: prepared } satisfies PredictionSummary,
          lines: [`skipped: ${prepared}`],
        };
      running = prepared;
      prepared.watcher.start();
      const rounds: RoundSummary[] = [];
      for (const week of prepared.weeks) {
        if (context.signal.aborted) break;
        rounds.push(await playWeek(context, prepared, week));
      }
      if (context.options.once) prepared.watcher.stop();
      const [trends, outcomes] = await siteDocuments(context.cloud);
      const summary: PredictionSummary = {
        stream: prepared.stream,
        modelVersion: prepared.watcher.modelVersion,
        users: rounds.map((r) => r.sent),
        rounds,
        ...(outcomes ? { outcomes: [...outcomes.weeks] } : {}),
      };
      return {
        ok: rounds.length === prepared.weeks.length && rounds.every((r) => r.results === r.sent),
        summary,
        lines: [
          `weeks ${prepared.weeks.join(', ')} → ${prepared.stream}, model ${prepared.watcher.modelVersion ?? '?'}`,
          ...rounds.map(describeRound),
          ...(trends ? [describeTrends(trends)] : []),
          ...(outcomes ? describeOutcomes(outcomes) : []),
        ],
      };
    },
    async background(context) {
      const p = running;
      if (!p) return;
      try {
        context.log(`prediction: a new demo week every ${intervalMs / 1000} s until Ctrl-C`);
        let week = (p.weeks.at(-1) ?? 0) + 1;
        while (!context.signal.aborted) {
          await abortableSleep(intervalMs, context.signal);
          if (context.signal.aborted) break;
          const added = await addWeek(context, week);
          if (added)
            context.log(
              `week ${week}: ${added.activeUsers} of ${added.signedUp} signed-up users active (${added.newUsers} new), uploaded, extracted and trained on`,
            );
          // Past the demo's horizon the last week is predicted again: trends go on, outcomes stay.
          const predicted = added ? week++ : week - 1;
          const r = await playWeek(context, p, predicted);
          context.log(describeRound(r));
          const [trends, outcomes] = await siteDocuments(context.cloud);
          if (trends) context.log(describeTrends(trends));
          if (outcomes)
            describeOutcomes(outcomes)
              .slice(-2)
              .forEach((line) => context.log(line));
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

function describeOutcomes(o: OutcomesDocument): string[] {
  if (o.weeks.length === 0) return ['data/outcomes.json: no week judged yet (its next week is not extracted)'];
  return [
    `data/outcomes.json (were we right? realized AUC against the floor ${o.floor}):`,
    ...o.weeks.map(
      (w) =>
        `  week ${w.week}: ${w.usersScored} scored, ${w.expectedRetained.toFixed(1)} expected back, ${w.actualRetained} came back, ` +
        `realized AUC ${w.realizedAuc?.toFixed(3) ?? 'n/a'}${w.belowFloor ? ' ✗ BELOW THE FLOOR' : ''} (${w.modelVersions.map((v) => v.version).join(', ')})`,
    ),
  ];
}

/** trends.json and outcomes.json once every triggered function has finished (undefined: none yet, or no site). */
async function siteDocuments(cloud: LocalCloud): Promise<[TrendsDocument | undefined, OutcomesDocument | undefined]> {
  // A stack without the dashboard (a test fixture) has no site to read them from.
  const site = cloud.outputs[STACK_OUTPUTS.siteBucket];
  if (site === undefined) return [undefined, undefined];
  await cloud.idle();
  const read = <T>(key: string) => readJson<T>(cloud.clients.s3, site, key).catch(() => undefined);
  return Promise.all([read<TrendsDocument>(SITE_TRENDS_KEY), read<OutcomesDocument>(SITE_OUTCOMES_KEY)]);
}
