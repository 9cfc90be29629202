/**
 * The at-risk list: per prediction round, the users least likely to come back, bounded.
 * Each predict batch's trend part carries its own least-likely users (of the records it
 * counts); the trends Lambda merges a round's candidates into one bounded list. The merge
 * keeps one entry per user (its lowest probability) and the same order whatever the order
 * the parts arrive in, so merging a part again, or merging parts one by one, gives the list
 * that merging them all at once gives.
 */
import type { PredictionResult, Reason } from './result.ts';
import { wholeNumberSetting } from './settings.ts';

export interface AtRiskUser {
  readonly userId: number;
  readonly probability: number;
  /** What moved this user's probability most, when the predict Lambda gave reasons. */
  readonly reasons?: readonly Reason[];
  /** The record's industry and region, as sent (the view filters on them). */
  readonly industry?: string;
  readonly region?: string;
  readonly week?: number;
}

export interface AtRiskDocument {
  readonly formatVersion: 1;
  /** The model that scored most of the round's users; null when no part named one (format 1 parts). */
  readonly modelVersion: string | null;
  readonly round: number;
  readonly updatedAt: string;
  /** Users scored in the round so far (the list holds at most `limit` of them). */
  readonly scored: number;
  readonly limit: number;
  /** Least likely to return first. */
  readonly users: readonly AtRiskUser[];
}

export const SITE_AT_RISK_KEY = 'data/at-risk.json';
export const DEFAULT_AT_RISK_SIZE = 1000;
export const MAX_AT_RISK_SIZE = 10_000;

/** The list size from the environment's AT_RISK_SIZE (the stack sets it from CDK context), or the default. */
export function atRiskSizeFrom(raw: string | undefined): number {
  return wholeNumberSetting('AT_RISK_SIZE', raw, 1, MAX_AT_RISK_SIZE, DEFAULT_AT_RISK_SIZE);
}

/** Lower probability first; ties by user id, then by content, so the order never depends on arrival. */
function rank(a: AtRiskUser, b: AtRiskUser): number {
  if (a.probability !== b.probability) return a.probability - b.probability;
  if (a.userId !== b.userId) return a.userId - b.userId;
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The `limit` least likely users, one entry per user (its lowest probability), least likely first. */
export function leastLikely(candidates: Iterable<AtRiskUser>, limit: number): AtRiskUser[] {
  const best = new Map<number, AtRiskUser>();
  for (const c of candidates) {
    const kept = best.get(c.userId);
    if (kept === undefined || rank(c, kept) < 0) best.set(c.userId, c);
  }
  return [...best.values()].sort(rank).slice(0, limit);
}

/** What a scored record adds to the list: its result and the record's segment. */
export interface ScoredUser {
  readonly result: PredictionResult;
  readonly industry?: string | undefined;
  readonly region?: string | undefined;
}

export function atRiskUser({ result, industry, region }: ScoredUser): AtRiskUser {
  return {
    userId: result.userId,
    probability: result.probability,
    ...(result.reasons === undefined ? {} : { reasons: result.reasons }),
    ...(industry === undefined ? {} : { industry }),
    ...(region === undefined ? {} : { region }),
    ...(result.week === undefined ? {} : { week: result.week }),
  };
}

/** A record's feature as text when it is one (industry and region are category names). */
export function segmentOf(features: Readonly<Record<string, string | number>>): {
  industry?: string;
  region?: string;
} {
  const { industry, region } = features;
  return {
    ...(typeof industry === 'string' ? { industry } : {}),
    ...(typeof region === 'string' ? { region } : {}),
  };
}

/** The model that scored most users of the round (ties: the later version, whose name sorts last). */
export function roundModel(
  parts: Iterable<{ readonly modelVersion?: string; readonly scored: number }>,
): string | null {
  const scored = new Map<string, number>();
  for (const p of parts)
    if (p.modelVersion !== undefined) scored.set(p.modelVersion, (scored.get(p.modelVersion) ?? 0) + p.scored);
  let best: [string, number] | undefined;
  for (const entry of scored)
    if (!best || entry[1] > best[1] || (entry[1] === best[1] && entry[0] > best[0])) best = entry;
  return best?.[0] ?? null;
}

export function atRiskDocument(
  round: number,
  modelVersion: string | null,
  scored: number,
  users: readonly AtRiskUser[],
  limit: number,
  now: Date,
): AtRiskDocument {
  return { formatVersion: 1, modelVersion, round, updatedAt: now.toISOString(), scored, limit, users };
}

/** A part's candidates read back, checked (a format 1 part has none). */
export function parseAtRiskUsers(value: unknown, where: string): AtRiskUser[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`${where}: atRisk should be a list`);
  return value.map((u: Partial<AtRiskUser> | null, i) => {
    if (typeof u?.userId !== 'number' || typeof u.probability !== 'number')
      throw new Error(`${where}: atRisk[${i}] should have a numeric userId and probability`);
    return u as AtRiskUser;
  });
}
