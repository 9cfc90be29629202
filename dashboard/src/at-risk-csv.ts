/** The at-risk rows shown, as CSV a spreadsheet opens as it is (UTF-8 with a byte-order mark, RFC 4180 quoting). */
import type { AtRiskUser } from './documents.ts';
import { reasonText } from './reason-words.ts';

const HEADER = ['user_id', 'probability', 'industry', 'region', 'reasons'];

/** Quotes a field when it must; a text that a spreadsheet would run as a formula is kept as text. */
function field(value: string | number): string {
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function atRiskCsv(users: readonly AtRiskUser[]): string {
  const lines = [HEADER.join(',')];
  for (const u of users) {
    const reasons = (u.reasons ?? []).map(reasonText).join('; ');
    lines.push([u.userId, u.probability, u.industry ?? '', u.region ?? '', reasons].map(field).join(','));
  }
  return `\ufeff${lines.join('\r\n')}\r\n`;
}
