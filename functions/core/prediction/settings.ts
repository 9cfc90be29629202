/** A whole-number setting from the environment (the stack sets it from CDK context), or its default. */
export function wholeNumberSetting(name: string, raw: string | undefined, min: number, max: number, fallback: number) {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name} must be a whole number ${min}..${max}, got "${raw}"`);
  return value;
}
