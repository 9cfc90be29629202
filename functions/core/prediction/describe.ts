/**
 * A short, bounded rendering of an untrusted value for error details. JSON.stringify of a
 * record's value recurses without limit (7,000 nested arrays exhaust the stack) and copies
 * it whole; this stops at a depth, a number of entries and a length, whatever it is given.
 */
const MAX_DEPTH = 3;
const MAX_ENTRIES = 5;
const MAX_LENGTH = 120;

/** JSON-like text of `value`, nested at most 3 deep, at most 120 characters. */
export function describeValue(value: unknown): string {
  return cut(render(value, MAX_DEPTH), MAX_LENGTH);
}

/** `text` cut to `max` characters, marked with … when it was longer. */
export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function render(value: unknown, depth: number): string {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(cut(value, MAX_LENGTH));
  if (Array.isArray(value)) {
    if (depth === 0) return value.length === 0 ? '[]' : '[…]';
    return list(
      value.slice(0, MAX_ENTRIES).map((v: unknown) => render(v, depth - 1)),
      value.length,
      '[]',
    );
  }
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    if (depth === 0) return keys.length === 0 ? '{}' : '{…}';
    const entries = keys
      .slice(0, MAX_ENTRIES)
      .map((k) => `${JSON.stringify(cut(k, MAX_LENGTH))}: ${render((value as Record<string, unknown>)[k], depth - 1)}`);
    return list(entries, keys.length, '{}');
  }
  return typeof value;
}

function list(items: string[], total: number, brackets: '[]' | '{}'): string {
  const more = total > items.length ? [`… ${total - items.length} more`] : [];
  return `${brackets[0]}${[...items, ...more].join(', ')}${brackets[1]}`;
}
