/**
 * Extraction's own CDK context (cdk.json, `-c key=value`, or buildApp's `context`), read once
 * with a readable error for a wrong value:
 *
 *   retention:baseWeek          the ISO week (2017-W19) numbered weeks' week 0 stands for;
 *                               absent (the default): numbered weeks are not checked against a calendar
 *   retention:maxRejectedShare  above this share of rejected lines (0 < x ≤ 1) a part is failed (default 0.5)
 */
import type { Node } from 'constructs';
import { isWeekId } from '#core/weeks.ts';

/** The extract function's environment from the context: only what was given. */
export function extractionEnvironment(node: Node): Record<string, string> {
  const environment: Record<string, string> = {};
  const baseWeek = node.tryGetContext('retention:baseWeek') as unknown;
  if (baseWeek !== undefined) {
    const text = String(baseWeek);
    if (!/^\d{4}-W\d{2}$/.test(text) || !isWeekId(text))
      throw new Error(`retention:baseWeek must be an ISO week like 2017-W19, got "${text}"`);
    environment.BASE_WEEK = text;
  }
  const share = node.tryGetContext('retention:maxRejectedShare') as unknown;
  if (share !== undefined) {
    const value = Number(share);
    if (!(value > 0 && value <= 1))
      throw new Error(`retention:maxRejectedShare must be a number in (0, 1], got "${String(share)}"`);
    environment.MAX_REJECTED_SHARE = String(value);
  }
  return environment;
}
