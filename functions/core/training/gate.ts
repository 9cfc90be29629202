/**
 * The promotion rule. A winner is promoted when its test AUC reaches the floor and is not
 * worse than the current model's AUC on the same test set by more than the margin. The
 * state machine's Choice applies the same rule to `minAcceptedAuc`; this module also says
 * why, in words, for the model card and the rejection record.
 */

export interface GateSettings {
  /** Lowest acceptable test AUC (0.5 = no better than chance). */
  readonly floor: number;
  /** How much lower than the current model's AUC a new model may be. */
  readonly margin: number;
}

export const DEFAULT_GATE: GateSettings = Object.freeze({ floor: 0.55, margin: 0.01 });

export interface GateDecision {
  readonly decision: 'promote' | 'reject';
  readonly reason: string;
  readonly floor: number;
  readonly margin: number;
  /** The current model's AUC on this run's test set; absent when there is no current model. */
  readonly currentAuc?: number;
  /** max(floor, currentAuc - margin): the Choice state promotes when the AUC is at least this. */
  readonly minAcceptedAuc: number;
}

export function decideGate(auc: number, currentAuc: number | undefined, settings: GateSettings): GateDecision {
  const { floor, margin } = settings;
  const minAcceptedAuc = currentAuc === undefined ? floor : Math.max(floor, currentAuc - margin);
  const base = { floor, margin, minAcceptedAuc, ...(currentAuc === undefined ? {} : { currentAuc }) };
  const f = (x: number) => x.toFixed(4);
  if (!(auc >= floor)) {
    return { ...base, decision: 'reject', reason: `test AUC ${f(auc)} is below the floor ${f(floor)}` };
  }
  if (currentAuc !== undefined && auc < currentAuc - margin) {
    return {
      ...base,
      decision: 'reject',
      reason: `test AUC ${f(auc)} is worse than the current model's ${f(currentAuc)} by more than the margin ${f(margin)}`,
    };
  }
  const versus = currentAuc === undefined ? 'no current model' : `current model ${f(currentAuc)}, margin ${f(margin)}`;
  return { ...base, decision: 'promote', reason: `test AUC ${f(auc)} ≥ floor ${f(floor)}; ${versus}` };
}

/** The published model as the gate sees it: its version and its AUC on this run's test set. */
export interface CurrentModelScore {
  readonly version: string;
  /** Undefined when the engine cannot read the current model (`unreadable` says why). */
  readonly auc: number | undefined;
  readonly unreadable: string | undefined;
}

/**
 * The gate against whatever model is current. One the engine cannot read (another engine or
 * format) cannot be compared: the floor alone decides, and the reason says so.
 */
export function decideGateAgainst(
  auc: number,
  current: CurrentModelScore | undefined,
  settings: GateSettings,
): GateDecision {
  const decided = decideGate(auc, current?.auc, settings);
  if (!current?.unreadable) return decided;
  return {
    ...decided,
    reason: `${decided.reason} (current model ${current.version} not comparable: ${current.unreadable})`,
  };
}

/** Reads floor/margin from settings text (env or context), falling back to the defaults. */
export function readGateSettings(floor: string | undefined, margin: string | undefined): GateSettings {
  const parse = (raw: string | undefined, fallback: number, name: string) => {
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0 || value > 1)
      throw new Error(`gate ${name} must be a number in [0, 1], got "${raw}"`);
    return value;
  };
  return { floor: parse(floor, DEFAULT_GATE.floor, 'floor'), margin: parse(margin, DEFAULT_GATE.margin, 'margin') };
}
