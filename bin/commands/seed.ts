/**
 * `retention seed --out DIR`: writes the demo data (original formats, truth files, seed.json).
 */
import { EXIT_OK, UsageError, decimal, integer, optional, required, type Command } from '#bin/cli-kit.ts';
import { isWeekId } from '#core/weeks.ts';
import { directorySink, generateDemoData } from '#seed/index.ts';

export const command: Command = {
  summary: 'write demo data: category lists, CRM, profiles, one event log a week, truth files',
  usage: `usage: retention seed --out DIR [--users N] [--companies N] [--weeks K] [--seed S]
                     [--gzip] [--iso-weeks 2026-W46] [--dirty RATE] [--parts N]

Writes the original demo's files into DIR (tab-separated, no header): platform.meta,
event_type.meta, industry.meta, region.meta, social_type.meta, crm_info.data,
nosql_user_profile.data and user_events_week<N>.log for each week; also truth_week<N>.tsv
(each active user's true probability of being active the week after, and whether they
were), seed.json (the parameters) and, with --dirty, dirty_expected.json.

  --out DIR           where to write (created if missing)
  --users N           users, ids 1..N (default 1000)
  --companies N       companies, company_id = user_id % N (default users/10, at least 1)
  --weeks K           weeks of events (default 3)
  --seed S            same seed and flags → byte-identical files (default 1)
  --gzip              compress the event logs (.log.gz)
  --iso-weeks W       name weeks by ISO week from W (user_events_2026-W46.log, ...)
  --dirty RATE        share of malformed lines mixed into logs and tables, 0 ≤ RATE < 1
                      (default 0); see seed/README.md
  --parts N           write each week's log as N files, week=<W>/part-0001.log …,
                      then week=<W>/_SUCCESS listing them (user i in part i mod N):
                      the data bucket's layout of a week in parts (default 1)
`,
  options: {
    out: { type: 'string' },
    users: { type: 'string' },
    companies: { type: 'string' },
    weeks: { type: 'string' },
    seed: { type: 'string' },
    gzip: { type: 'boolean' },
    'iso-weeks': { type: 'string' },
    dirty: { type: 'string' },
    parts: { type: 'string' },
  },
  async run(args) {
    const out = required(args, 'out');
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
    const users = integer(args, 'users', 1000, 1, 100_000_000);
    const companies = integer(args, 'companies', Math.max(1, Math.floor(users / 10)), 1, 100_000_000);
    const weeks = integer(args, 'weeks', 3, 1, 520);
    const seed = integer(args, 'seed', 1, 0, 2 ** 32 - 1);
    const dirty = decimal(args, 'dirty', 0, 0, 0.99);
    const parts = integer(args, 'parts', 1, 1, 10_000);
    const isoWeeks = optional(args, 'iso-weeks');
    if (isoWeeks !== undefined && !(isWeekId(isoWeeks) && isoWeeks.includes('-W'))) {
      throw new UsageError(`--iso-weeks must be an ISO week like 2026-W46, got "${isoWeeks}"`);
    }
    const started = Date.now();
    const result = await generateDemoData(
      { users, companies, weeks, seed, dirty, isoWeeks, parts, gzip: args.values.gzip === true },
      directorySink(out),
    );
    for (const w of result.weeks) {
      console.log(
        `week ${w.week}: ${w.activeUsers} active users, ${w.events} events, ${w.retained} retained ` +
          `(${((100 * w.retained) / Math.max(1, w.activeUsers)).toFixed(1)}%) → ${w.eventsFile}, ${w.truthFile}`,
      );
    }
    console.log(`${result.files.length} files in ${out} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return EXIT_OK;
  },
};
