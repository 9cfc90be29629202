/**
 * A part's verdict (ok, dirty, failed) as its manifest says it, and the errors that end an
 * extraction the retries cannot mend: thrown after the part's manifest is written, so the
 * event ends in the extraction failure queue while the manifest tells a person why.
 */
import type { Manifest } from '#core/extraction/types.ts';
import { judgeExtraction } from '#core/extraction/verdict.ts';

export interface PartVerdict {
  readonly status: 'ok' | 'dirty' | 'failed';
  /** One line naming the file, the largest reasons and the likely fix (empty when ok). */
  readonly message: string;
}

export interface VerdictSettings {
  /** What the message names: the event object's key. */
  readonly subject: string;
  readonly maxRejectedShare?: number;
}

/** The verdict a manifest records, or the one its counts give when it records none. */
export function partVerdict(manifest: Manifest, settings: VerdictSettings): PartVerdict {
  const recorded = (manifest as Manifest & { verdict?: PartVerdict }).verdict;
  if (recorded !== undefined) return recorded;
  const { status, message } = judgeExtraction(manifest, settings);
  return { status, message };
}

/** The part was extracted and judged failed: mostly rejected lines, or none at all. */
export class ExtractionFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExtractionFailedError';
  }
}

/** The week's parts cannot make one week (the same content twice, a failed part). */
export class WeekFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeekFailedError';
  }
}
