/** A node's impurity from its (weighted) class counts: Gini or entropy in bits. */
import type { ForestOptions } from './params.ts';

export function impurityOf(kind: ForestOptions['impurity'], c0: number, c1: number): number {
  const t = c0 + c1;
  if (t <= 0) return 0;
  const p0 = c0 / t;
  const p1 = c1 / t;
  if (kind === 'gini') return 1 - p0 * p0 - p1 * p1;
  return (p0 > 0 ? -p0 * Math.log2(p0) : 0) + (p1 > 0 ? -p1 * Math.log2(p1) : 0);
}
