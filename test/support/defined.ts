/**
 * `value`, or a thrown error that names what was missing: for a lookup a test relies on (a
 * Map entry, an array's item, a regular expression's match, an element on screen), instead
 * of a non-null assertion.
 */
export function defined<T>(value: T | null | undefined, what: string): T {
  if (value === undefined || value === null) throw new Error(`expected ${what}, found none`);
  return value;
}
