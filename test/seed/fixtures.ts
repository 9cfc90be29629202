/** Small generated demos shared by the seed tests (1000 users: well under a second each). */
import { generateDemoData, memorySink, type SeedOptions, type SeedResult } from '#seed/index.ts';

export interface Demo {
  readonly result: SeedResult;
  readonly files: Map<string, Uint8Array>;
  text(name: string): string;
  /** Lines of a file without their line ends (a last empty piece after the final LF dropped). */
  lines(name: string): string[];
}

export async function demo(options: SeedOptions): Promise<Demo> {
  const sink = memorySink();
  const result = await generateDemoData(options, sink);
  const text = (name: string) => {
    const bytes = sink.files.get(name);
    if (!bytes) throw new Error(`no file ${name}; have ${[...sink.files.keys()].join(', ')}`);
    return new TextDecoder().decode(bytes);
  };
  return {
    result,
    files: sink.files,
    text,
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
  const order = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSum = 0;
  for (let k = 0; k < order.length;) {
    let j = k;
    while (j < order.length && scores[order[j]] === scores[order[k]]) j++;
    for (let t = k; t < j; t++)
      if (labels[order[t]]) {
        rankSum += (k + j + 1) / 2;
        positives++;
      }
    k = j;
  }
  const negatives = order.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
