/**
 * Whether Publish may move the pointer to a winner the gate promoted. Runs of two week
 * pairs can be evaluated at the same time and finish in any order, so Publish looks at the
 * model current now: one trained on a later week stays (the pointer never moves back to
 * older data), and one published since this run's Evaluate is judged against again, on
 * this run's test set, and the reason then names it. Publish asks again each time the
 * pointer moves under it (its write is conditional on the pointer it judged against).
 */
import { decideGateAgainst, type CurrentModelScore, type GateSettings } from './gate.ts';
import { isSupersededBy } from './publish-plan.ts';
import { isWeekId } from '#core/weeks.ts';

/** The model current when Publish runs, read only as far as the rules need (scoring is not free). */
export interface CurrentAtPublish {
  readonly version: string;
  /** The week it was trained on, from its card; undefined when it has no readable card. */
  trainWeek(): Promise<string | undefined>;
  /** Its AUC on this run's test set. */
  scoreOnTest(): Promise<CurrentModelScore>;
}

export interface RunToPublish {
  readonly trainWeek: string;
  readonly best: { readonly auc: number };
  /** The current model Evaluate compared against, when it could. */
  readonly current?: { readonly version: string };
  readonly gate: { readonly reason: string };
}

export interface PublishDecision {
  /**
   * superseded: the gate said promote, but the current model was trained on a later week.
   * reject: another run published while this one was evaluated, and judged against that
   * model this one no longer passes the gate.
   */
  readonly decision: 'promote' | 'superseded' | 'reject';
  readonly reason: string;
}

export async function decidePublication(
  run: RunToPublish,
  current: CurrentAtPublish | undefined,
  settings: GateSettings,
): Promise<PublishDecision> {
  if (current === undefined) return { decision: 'promote', reason: run.gate.reason };
  const currentWeek = await current.trainWeek();
  if (currentWeek !== undefined && isWeekId(currentWeek) && isSupersededBy(run.trainWeek, currentWeek)) {
    return {
      decision: 'superseded',
      reason: `the current model ${current.version} was trained on week ${currentWeek}, later than week ${run.trainWeek}; it stays`,
    };
  }
  if (current.version === run.current?.version) return { decision: 'promote', reason: run.gate.reason };
  // Not comparable (an engine that cannot read it): the floor alone decides, and the reason says so.
  const gate = decideGateAgainst(run.best.auc, await current.scoreOnTest(), settings);
  return {
    decision: gate.decision,
    reason: `${gate.reason} (model ${current.version} was published while this run was evaluated; judged again against it)`,
  };
}
