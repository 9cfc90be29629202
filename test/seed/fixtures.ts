/** Small generated demos shared by the seed tests (1000 users: well under a second each). */
import { generateDemoData, memorySink, type SeedOptions, type SeedResult } from '#seed/index.ts';

export interface Demo {
  readonly result: SeedResult;
  readonly files: Map<string, Uint8Array>;
  /** A file's bytes; throws (naming the files there are) when the run wrote no such file. */
  bytes(name: string): Uint8Array;
  text(name: string): string;
  /** The run's report of week `index`; throws when the run has no such week. */
  week(index: number | string): SeedResult['weeks'][number];
  /** Lines of a file without their line ends (a last empty piece after the final LF dropped). */
  lines(name: string): string[];
}

export async function demo(options: SeedOptions): Promise<Demo> {
  const sink = memorySink();
  const result = await generateDemoData(options, sink);
  const bytes = (name: string) => {
    const found = sink.files.get(name);
    if (!found) throw new Error(`no file ${name}; have ${[...sink.files.keys()].join(', ')}`);
    return found;
  };
  const text = (name: string) => new TextDecoder().decode(bytes(name));
  return {
    result,
    files: sink.files,
    bytes,
    text,
    week: (index) => {
      const week = result.weeks[Number(index)];
      if (!week) throw new Error(`no week ${index}; the run has ${result.weeks.length}`);
      return week;
    },
    lines: (name) => {
      const all = text(name).split('\n');
      if (all.at(-1) === '') all.pop();
      return all.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    },
  };
}

/** Truth rows of one week: user → [p_retained, active_next]. */
export function truthRows(d: Demo, name: string): Map<number, [number, number]> {
  const [header, ...rows] = d.lines(name);
  if (header !== 'user_id\tp_retained\tactive_next') throw new Error(`${name}: header ${header}`);
  return new Map(
    rows.map((r) => {
      const [u, p, a] = r.split('\t');
      return [Number(u), [Number(p), Number(a)]];
    }),
  );
}

/** Users with at least one event in a (clean) event log. */
export function activeUsers(d: Demo, name: string): Set<number> {
  return new Set(d.lines(name).map((l) => Number(l.split('\t')[1])));
}

/** Area under the ROC curve (ties count half), for the signal checks. */
export function auc(scores: readonly number[], labels: readonly number[]): number {
  const rows = scores.map((score, i) => ({ score, positive: Boolean(labels[i]) })).sort((a, b) => a.score - b.score);
  let positives = 0;
  let rankSum = 0;
  for (let k = 0; k < rows.length;) {
    // rows[k .. j) tie on one score: each of them gets the block's mean rank.
    const score = rows[k]?.score;
    let j = k;
    while (j < rows.length && rows[j]?.score === score) j++;
    for (const row of rows.slice(k, j))
      if (row.positive) {
        rankSum += (k + j + 1) / 2;
        positives++;
      }
    k = j;
  }
  const negatives = rows.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
