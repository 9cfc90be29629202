/**
 * The errors that end an extraction the retries cannot mend. Each is thrown after what a
 * person needs is written (the part's manifest with its verdict), so the event ends in the
 * extraction failure queue while the bucket says why.
 */

/** The part was extracted and judged failed: mostly rejected lines, or none at all. */
export class ExtractionFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExtractionFailedError';
  }
}

/** The week's parts cannot make one week (the same content in two of them). */
export class WeekFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeekFailedError';
  }
}
