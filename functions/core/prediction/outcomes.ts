/**
 * "Were we right": a week's kept predictions (scored.ts) against who actually came back, the
 * active users of the week after. One entry per week in the site's data/outcomes.json. The
 * document holds no clock time: recomputed from the same parts and actives it is the same
 * bytes, so a re-run or a redelivered event changes nothing.
 */
import { binaryMetrics } from '#core/forest/metrics.ts';
import type { ScoredPart } from './scored.ts';

export const SITE_OUTCOMES_KEY = 'data/outcomes.json';
/** The metric the outcomes Lambda publishes per week and the stack's alarm watches against the floor. */
export const REALIZED_AUC_METRIC = 'RealizedAuc';

export interface WeekOutcome {
  /** The week whose features were scored. */
  readonly week: number;
  /** The week whose active users say who came back (week + 1). */
  readonly outcomeWeek: number;
  readonly usersScored: number;
  /** Sum of the probabilities: how many the model expected back. */
  readonly expectedRetained: number;
  readonly actualRetained: number;
  /** AUC of the probabilities against who came back; null when everyone (or no one) came back. */
  readonly realizedAuc: number | null;
  /** realizedAuc below the gate's floor: the model was worse in the world than the gate demands. */
  readonly belowFloor: boolean;
  /** The versions that scored the week's users, with how many each (most first). */
  readonly modelVersions: readonly { readonly version: string; readonly users: number }[];
}

export interface OutcomesDocument {
  readonly formatVersion: 1;
  /** The training gate's AUC floor the weeks are judged against. */
  readonly floor: number;
  /** Ascending by week. */
  readonly weeks: readonly WeekOutcome[];
}

/** Where each user's latest score stands: a user scored in several rounds counts once, by the last part written. */
function latestScores(parts: readonly ScoredPart[]): Map<number, { probability: number; modelVersion: string }> {
  const ordered = [...parts].sort((a, b) =>
    a.writtenAt === b.writtenAt ? compareKeys(a, b) : a.writtenAt < b.writtenAt ? -1 : 1,
  );
  const latest = new Map<number, { probability: number; modelVersion: string }>();
  for (const part of ordered)
    for (const u of part.users) latest.set(u.userId, { probability: u.probability, modelVersion: u.modelVersion });
  return latest;
}

const partId = (p: ScoredPart) => `${p.shardId}-${p.firstSequenceNumber.padStart(64, '0')}`;
const compareKeys = (a: ScoredPart, b: ScoredPart) => (partId(a) < partId(b) ? -1 : partId(a) > partId(b) ? 1 : 0);

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** The outcome of `week` from its kept parts and the active users of the week after; undefined when nobody was scored. */
export function weekOutcome(
  week: number,
  parts: readonly ScoredPart[],
  activeNext: ReadonlySet<number>,
  floor: number,
): WeekOutcome | undefined {
  const scores = latestScores(parts.filter((p) => p.week === week));
  if (scores.size === 0) return undefined;
  const labels = new Uint8Array(scores.size);
  const probabilities = new Float64Array(scores.size);
  const versions = new Map<string, number>();
  let expected = 0;
  let i = 0;
  for (const [userId, s] of scores) {
    labels[i] = activeNext.has(userId) ? 1 : 0;
    probabilities[i] = s.probability;
    expected += s.probability;
    versions.set(s.modelVersion, (versions.get(s.modelVersion) ?? 0) + 1);
    i++;
  }
  const actual = labels.reduce((n, y) => n + y, 0);
  const bothClasses = actual > 0 && actual < scores.size;
  const realizedAuc = bothClasses ? round4(binaryMetrics(labels, probabilities).auc) : null;
  return {
    week,
    outcomeWeek: week + 1,
    usersScored: scores.size,
    expectedRetained: Math.round(expected * 100) / 100,
    actualRetained: actual,
    realizedAuc,
    belowFloor: realizedAuc !== null && realizedAuc < floor,
    modelVersions: [...versions]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([version, users]) => ({ version, users })),
  };
}

/** The document with `outcome`'s week replaced (or added), weeks ascending. */
export function withWeekOutcome(
  document: OutcomesDocument | undefined,
  outcome: WeekOutcome,
  floor: number,
): OutcomesDocument {
  const weeks = (document?.weeks ?? []).filter((w) => w.week !== outcome.week);
  weeks.push(outcome);
  weeks.sort((a, b) => a.week - b.week);
  return { formatVersion: 1, floor, weeks };
}

/** outcomes.json read back; anything else (an older format) counts as empty: weeks are recomputed as events come. */
export function outcomesFrom(value: unknown): OutcomesDocument | undefined {
  const doc = (value ?? {}) as Partial<OutcomesDocument>;
  return doc.formatVersion === 1 && Array.isArray(doc.weeks) && typeof doc.floor === 'number'
    ? (doc as OutcomesDocument)
    : undefined;
}
