/**
 * EventBridge event patterns, the part the stack uses: each field of the pattern lists the
 * values it accepts (exact strings, numbers, booleans or null), and an object field holds a
 * nested pattern for that object. A field matches when the event's value is one of the listed
 * values (an array in the event matches when any element is); every field must match.
 * Content filters (`prefix`, `anything-but`, `numeric`, `exists`…) are not implemented:
 * `unsupportedPatternFeature` names the first one so the caller can refuse the rule loudly
 * instead of matching it wrongly.
 */

type Literal = string | number | boolean | null;

const isLiteral = (value: unknown): value is Literal =>
  value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Why this pattern is beyond this matcher (the path of the first feature it lacks), or undefined. */
export function unsupportedPatternFeature(pattern: unknown, path = ''): string | undefined {
  if (!isObject(pattern)) return `${path || 'the pattern'} is not an object`;
  for (const [field, accepted] of Object.entries(pattern)) {
    const at = path ? `${path}.${field}` : field;
    if (isObject(accepted)) {
      const inner = unsupportedPatternFeature(accepted, at);
      if (inner) return inner;
    } else if (!Array.isArray(accepted) || accepted.length === 0) {
      return `${at}: a field must list the values it accepts`;
    } else {
      const filter = accepted.find((value) => !isLiteral(value));
      if (filter !== undefined) return `${at}: the content filter ${JSON.stringify(filter)}`;
    }
  }
  return undefined;
}

/** Whether `event` matches `pattern` (a pattern `unsupportedPatternFeature` accepts). */
export function matchesEventPattern(pattern: Record<string, unknown>, event: unknown): boolean {
  if (!isObject(event)) return false;
  return Object.entries(pattern).every(([field, accepted]) => {
    const value = event[field];
    if (isObject(accepted)) return matchesEventPattern(accepted, value);
    const values = Array.isArray(value) ? value : [value];
    return values.some((v) => (accepted as unknown[]).some((a) => a === v));
  });
}
