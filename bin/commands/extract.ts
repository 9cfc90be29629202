/**
 * `retention extract`: one week of local event files, joined with the CRM and profile
 * tables, into features.tsv, active_users.txt, rejects.jsonl and manifest.json.
 */
import { enableCompileCache } from 'node:module';
import { basename } from 'node:path';
import { EXIT_FAILED, EXIT_OK, UsageError, decimal, list, optional, required, type Command } from '#bin/cli-kit.ts';
import { isIsoWeekId, isWeekId, weekFromName, type WeekId } from '#core/weeks.ts';

/**
 * The extraction modules are imported when the command runs, after Node's on-disk compile
 * cache is on: their type-stripped code then loads in ~30 ms instead of ~150 ms, a tenth of
 * a whole extraction of 10M events.
 */
async function loadExtraction() {
  enableCompileCache?.();
  const [{ REJECT_REASONS }, { DEFAULT_MAX_REJECTED_SHARE }, { assertFiles, extractFiles }] = await Promise.all([
    import('#core/extraction/types.ts'),
    import('#core/extraction/verdict.ts'),
    import('#local/extraction/extract-files.ts'),
  ]);
  return { REJECT_REASONS, DEFAULT_MAX_REJECTED_SHARE, assertFiles, extractFiles };
}

export const command: Command = {
  summary: 'extract one week of event logs into per-user features (local files)',
  usage: `usage: retention extract --events FILE... --crm FILE --profiles FILE --out DIR
                         [--meta DIR] [--week W] [--base-week 2017-W19] [--max-rejected-share 0.5]
                         [--gzip-output]

Reads one week's event logs (plain or gzip whatever the name, LF or CRLF, with or without a
byte-order mark), joins each active user's counts with the CRM table (on the company of the
user's first event) and the profile table, and writes to DIR: features.tsv (one row per
joined user), active_users.txt, rejects.jsonl (the first 1,000 rejected lines of each reason
and file, with the reason; all are counted) and manifest.json (counts, verdict, checksums).
DIR is replaced whole at the end; a run that fails leaves it as it was.

  --events FILE...  event logs of one week (repeat the flag or list several files)
  --crm FILE        crm_info.data
  --profiles FILE   nosql_user_profile.data
  --out DIR         output folder (created if missing)
  --meta DIR        folder with <list>.meta category lists; each one present replaces
                    its defaults (platform/event_type must keep 5/7 values)
  --week W          the week (a number or an ISO week like 2026-W46); default: from the
                    event file names (user_events_week3.log, user_events_2026-W46.log)
  --base-week W     the ISO week numbered week 0 stands for: events of a numbered week
                    (user_events_week3.log) are then checked to fall in that week + 3.
                    Without it a numbered week's event times are not checked; ISO-named
                    weeks (user_events_2026-W46.log) are always checked against their dates
  --max-rejected-share S
                    above this share of rejected event lines the week is not data: exit 1
                    (default 0.5); above 5 % it is extracted with a warning
  --gzip-output     write features.tsv.gz and rejects.jsonl.gz

Exit codes: 0 done (some rejected lines are not an error: see the summary and rejects.jsonl);
1 the extraction failed: nothing accepted or too many lines rejected (the one-line reason
names the files, the main reasons and the likely fix; that run's output is kept in
DIR.failed, DIR is left as it was), or unreadable input (corrupt gzip, the same file
twice, bad category list, I/O error: the message names the file);
2 wrong arguments, including an input file that does not exist.
`,
  options: {
    events: { type: 'string', multiple: true },
    crm: { type: 'string' },
    profiles: { type: 'string' },
    out: { type: 'string' },
    meta: { type: 'string' },
    week: { type: 'string' },
    'base-week': { type: 'string' },
    'max-rejected-share': { type: 'string' },
    'gzip-output': { type: 'boolean' },
  },
  async run(args) {
    const events = [...list(args, 'events'), ...args.positionals];
    if (events.length === 0) throw new UsageError('--events is required (one or more event log files)');
    const crm = required(args, 'crm');
    const profiles = required(args, 'profiles');
    const out = required(args, 'out');
    const baseWeek = optional(args, 'base-week');
    if (baseWeek !== undefined && !isIsoWeekId(baseWeek)) {
      throw new UsageError(`--base-week must be an ISO week like 2017-W19, got "${baseWeek}"`);
    }
    const week = resolveWeek(optional(args, 'week'), events);
    const { REJECT_REASONS, DEFAULT_MAX_REJECTED_SHARE, assertFiles, extractFiles } = await loadExtraction();
    const maxRejectedShare = decimal(args, 'max-rejected-share', DEFAULT_MAX_REJECTED_SHARE, 0, 1);
    const missing = await assertFiles([...events, crm, profiles]);
    if (missing) throw new UsageError(missing);

    const started = performance.now();
    const { manifest, files, folder } = await extractFiles({
      events,
      crm,
      profiles,
      metaDir: optional(args, 'meta'),
      week,
      baseWeek,
      maxRejectedShare,
      out,
      gzipOutput: args.values['gzip-output'] === true,
    });
    const seconds = (performance.now() - started) / 1000;
    const rejected = REJECT_REASONS.filter((r) => manifest.rejected[r]).map((r) => `${r} ${manifest.rejected[r]}`);
    const tableLine = (name: string, t: typeof manifest.tables.crm) =>
      `${name}: ${t.linesRead} lines, ${t.rows} rows kept, ${t.linesRead - t.accepted} rejected`;
    console.log(
      [
        `week ${week}: ${manifest.linesRead} lines, ${manifest.accepted} accepted, ` +
          `${manifest.linesRead - manifest.accepted} rejected${rejected.length ? ` (${rejected.join(', ')})` : ''}`,
        `users ${manifest.users}, joined ${manifest.joined}, unmatched crm ${manifest.unmatched.crm}, profile ${manifest.unmatched.profile}`,
        tableLine('crm', manifest.tables.crm),
        tableLine('profiles', manifest.tables.profiles),
        `wrote ${files.map((f) => basename(f)).join(', ')} to ${folder} in ${seconds.toFixed(2)} s`,
      ].join('\n'),
    );
    const { status, message } = manifest.verdict;
    if (status === 'failed') {
      console.error(
        `retention extract: ${message} (this run's rejects and manifest are in ${folder}; ${out} was left as it was)`,
      );
      return EXIT_FAILED;
    }
    if (status === 'dirty') console.error(`retention extract: warning: ${message}`);
    return EXIT_OK;
  },
};

/** --week, else the week every event file name states (they must agree). */
function resolveWeek(flag: string | undefined, events: readonly string[]): WeekId {
  if (flag !== undefined) {
    if (!isWeekId(flag)) throw new UsageError(`--week must be a number or an ISO week like 2026-W46, got "${flag}"`);
    return flag;
  }
  const weeks = new Set<WeekId>();
  for (const path of events) {
    const week = weekFromName(path);
    if (week === undefined)
      throw new UsageError(
        `cannot tell the week from "${basename(path)}": name it user_events_week<N>.log or pass --week`,
      );
    weeks.add(week);
  }
  const [week, ...others] = weeks;
  if (week === undefined) throw new UsageError('--events is required (one or more event log files)');
  if (others.length > 0)
    throw new UsageError(`the event files name different weeks (${[...weeks].join(', ')}); extract one week at a time`);
  return week;
}
