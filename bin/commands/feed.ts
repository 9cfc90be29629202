/**
 * `retention feed`: puts a week's features on the prediction stream in rounds, as a
 * service would send its users' weekly features (PutRecords by 500, failed entries retried).
 */
import {
  EXIT_OK,
  UsageError,
  duration,
  integer,
  optional,
  required,
  type Command,
  type ParsedArgs,
} from '#bin/cli-kit.ts';
import { parseWeekId } from '#core/weeks.ts';
import { recordWeek, type UserFeatures } from '#core/prediction/features-records.ts';
import { feedRounds } from '#aws/prediction/feed.ts';
import { nextRound, readWeekFeaturesFromFile, readWeekFeaturesFromS3 } from '#aws/prediction/week-features.ts';
import { findPredictionTarget, targetOptions, targetUsage, type PredictionTarget } from '#bin/prediction-target.ts';

export const command: Command = {
  summary: "put a week's features on the prediction stream, in rounds",
  usage: `usage: retention feed --week W [--rounds R] [--interval 2s] [--features FILE] [--start-round N]

Reads week W's extracted features (from the data bucket's extracted/week=W/, or FILE, a
features.tsv[.gz]) and puts one record per user on the prediction stream, once a round:
{ userId, round, week, features } with the partition key userId (docs/formats.md); \`week\`
only for a numbered week (records carry it as a number), so that outcomes can compare the
predictions with the week after.

  --week W          the week (a number or an ISO week)
  --rounds R        rounds to send (default 3)
  --interval D      pause between rounds (default 2s)
  --features FILE   a local features.tsv[.gz] instead of the data bucket
  --start-round N   the first round's number (default: after the highest already counted,
                    from the data bucket's predictions/trends/; 0 without a bucket)

${targetUsage}
`,
  options: {
    week: { type: 'string' },
    rounds: { type: 'string' },
    interval: { type: 'string' },
    features: { type: 'string' },
    'start-round': { type: 'string' },
    ...targetOptions,
  },
  async run(args) {
    const week = required(args, 'week');
    try {
      parseWeekId(week);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const rounds = integer(args, 'rounds', 3, 1, 1_000_000);
    const interval = duration(args, 'interval', 2000);
    const target = findPredictionTarget(args);
    try {
      if (!target.stream) throw new Error(`no prediction stream in ${target.where} (--stream)`);
      const users = await loadUsers(args, target, week);
      const first =
        optional(args, 'start-round') !== undefined
          ? integer(args, 'start-round', 0)
          : target.dataBucket
            ? await nextRound(target.s3, target.dataBucket)
            : 0;
      console.error(
        `feeding ${users.length} users of week ${week} to ${target.stream} on ${target.where}: rounds ${first}..${first + rounds - 1}`,
      );
      const recordWeekNumber = recordWeek(week);
      await feedRounds(target.kinesis, target.stream, users, {
        first,
        ...(recordWeekNumber === undefined ? {} : { week: recordWeekNumber }),
        rounds,
        intervalMs: interval,
        log: (line) => console.error(line),
      });
      return EXIT_OK;
    } finally {
      target.destroy();
    }
  },
};

async function loadUsers(args: ParsedArgs, target: PredictionTarget, week: string): Promise<UserFeatures[]> {
  const file = optional(args, 'features');
  if (file) return readWeekFeaturesFromFile(file);
  if (!target.dataBucket)
    throw new UsageError(`no data bucket in ${target.where}: give --features FILE or --data-bucket`);
  return readWeekFeaturesFromS3(target.s3, target.dataBucket, week);
}
