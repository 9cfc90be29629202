/**
 * A week stays marked complete when one of its files is later re-uploaded with content that
 * fails extraction: the part's outputs are then the failed file's. Training reads each part's
 * manifest first and refuses such a week, naming the part and why, instead of learning from it.
 */
import type { Manifest } from '#core/extraction/types.ts';
import { TrainingInputError } from './prepare.ts';

export function refuseFailedParts(manifests: readonly { readonly key: string; readonly manifest: Manifest }[]): void {
  const failed = manifests.filter(({ manifest }) => manifest.verdict?.status === 'failed');
  if (failed.length === 0) return;
  const lines = failed.map(({ key, manifest }) => `${key}: ${manifest.verdict.message}`);
  throw new TrainingInputError(
    `${failed.length} extracted part(s) failed extraction, so their features are not data; ` +
      `upload a good file in their place (it is extracted again) and train again. ${lines.join('; ')}`,
  );
}
