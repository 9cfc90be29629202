import { describe, expect, it } from 'vitest';
import {
  parseCrmLine,
  parseCrmTable,
  parseProfileLine,
  parseProfileTable,
  type Reject,
} from '#core/extraction/index.ts';

describe('CRM lines', () => {
  it('reads a valid line into category indices', () => {
    expect(parseCrmLine('17\tBANK\tUS-CA\tGOOGLE')).toEqual({
      ok: true,
      value: { companyId: 17, industry: 2, region: 3, socialType: 2 },
    });
    expect(parseCrmLine('17\tBANK\tUS-CA\tGOOGLE\r\n').ok).toBe(true);
  });
  const cases: [string, string, string][] = [
    ['an unknown industry', '17\tFARMING\tUS-CA\tGOOGLE', 'unknown_category'],
    ['an unknown region', '17\tBANK\tUS-NY\tGOOGLE', 'unknown_category'],
    ['an unknown social type', '17\tBANK\tUS-CA\tMYSPACE', 'unknown_category'],
    ['three fields', '17\tBANK\tUS-CA', 'field_count'],
    ['five fields', '17\tBANK\tUS-CA\tGOOGLE\tx', 'field_count'],
    ['a non-numeric company id', 'acme\tBANK\tUS-CA\tGOOGLE', 'bad_number'],
    ['a negative company id', '-3\tBANK\tUS-CA\tGOOGLE', 'negative_id'],
    ['an empty line', '', 'empty_line'],
  ];
  for (const [what, text, reason] of cases) {
    it(`rejects ${what} as ${reason}`, () => expect(parseCrmLine(text)).toEqual({ ok: false, reason }));
  }
});

describe('profile lines', () => {
  it('reads a valid line', () => {
    expect(parseProfileLine('517\t1\t34')).toEqual({ ok: true, value: { userId: 517, gender: 1, age: 34 } });
    expect(parseProfileLine('517\t0\t20\r\n')).toEqual({ ok: true, value: { userId: 517, gender: 0, age: 20 } });
    expect(parseProfileLine('517\t0\t70').ok).toBe(true);
  });
  const cases: [string, string, string][] = [
    ['gender 2', '517\t2\t34', 'bad_gender'],
    ['gender "F"', '517\tF\t34', 'bad_gender'],
    ['age 19', '517\t1\t19', 'age_out_of_range'],
    ['age 71', '517\t1\t71', 'age_out_of_range'],
    ['age 1000', '517\t1\t1000', 'age_out_of_range'],
    ['a negative age', '517\t1\t-30', 'age_out_of_range'],
    ['a non-numeric age (the old system crashed here)', '517\t1\tthirty', 'bad_number'],
    ['a fractional age', '517\t1\t34.5', 'bad_number'],
    ['an empty age', '517\t1\t', 'bad_number'],
    ['two fields', '517\t1', 'field_count'],
    ['a negative user id', '-517\t1\t34', 'negative_id'],
  ];
  for (const [what, text, reason] of cases) {
    it(`rejects ${what} as ${reason}`, () => expect(parseProfileLine(text)).toEqual({ ok: false, reason }));
  }
});

describe('tables', () => {
  it('keep the first row of a key listed twice and reject the later line as duplicate_key', async () => {
    const rejects: Reject[] = [];
    const crm = await parseCrmTable('1\tBANK\tUS-CA\tGOOGLE\n1\tHEALTH\tAU-WA\tTWITTER\n2\tHEALTH\tAU-WA\tTWITTER\n', {
      name: 'crm_info.data',
      onReject: (r) => rejects.push(r),
    });
    expect(crm.size).toBe(2);
    expect(crm.get(1)).toEqual({ companyId: 1, industry: 2, region: 3, socialType: 2 });
    expect(rejects).toEqual([
      { source: 'crm_info.data', line: 2, reason: 'duplicate_key', raw: '1\tHEALTH\tAU-WA\tTWITTER' },
    ]);
    expect(crm.lineCounts()).toEqual({ linesRead: 3, accepted: 2, rejected: { duplicate_key: 1 } });

    const profiles = await parseProfileTable('5\t1\t30\r\n5\t0\t40\r\n6\tx\t40\r\n', { name: 'p' });
    expect(profiles.get(5)).toEqual({ userId: 5, gender: 1, age: 30 });
    expect(profiles.lineCounts()).toEqual({ linesRead: 3, accepted: 1, rejected: { bad_gender: 1, duplicate_key: 1 } });
  });

  it('read byte streams cut anywhere', async () => {
    const text = '5\t1\t30\n6\t0\t41\n7\t1\t22';
    const bytes = new TextEncoder().encode(text);
    const chunks = Array.from(bytes, (b) => Uint8Array.of(b));
    const profiles = await parseProfileTable(chunks, { name: 'p' });
    expect([profiles.size, profiles.get(7)?.age]).toEqual([3, 22]);
  });
});
