/**
 * Finding the product's resources in a local cloud without knowing CDK's logical ids:
 * first a stack output whose name matches, then a logical id that matches.
 */
import type { LocalCloud } from '#infra/local/cloud.ts';

function pick<T extends { name: string }>(
  cloud: LocalCloud,
  kind: keyof LocalCloud['resources'],
  pattern: RegExp,
  describe: string,
): T {
  const all = cloud.resources[kind] as unknown as Record<string, T>;
  for (const [output, value] of Object.entries(cloud.outputs)) {
    if (!pattern.test(output)) continue;
    const found = Object.values(all).find(
      (r) => r.name === value || (r as { url?: string }).url === value || (r as { arn?: string }).arn === value,
    );
    if (found) return found;
  }
  const matches = Object.entries(all).filter(([id]) => pattern.test(id));
  const [match] = matches;
  if (match !== undefined && matches.length === 1) return match[1];
  const ids = Object.keys(all);
  throw new Error(`cannot tell which ${describe} to use (${kind}: ${ids.join(', ') || 'none'})`);
}

export const dataBucket = (cloud: LocalCloud) =>
  pick<{ name: string; arn: string }>(cloud, 'buckets', /data/i, 'data bucket');
export const siteBucket = (cloud: LocalCloud) =>
  pick<{ name: string; arn: string }>(cloud, 'buckets', /site/i, 'site bucket');
