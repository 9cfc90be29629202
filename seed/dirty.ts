/**
 * Malformed lines for `--dirty`: extra lines (valid lines are never replaced) placed at
 * random positions, each with exactly one fault so the extractor's reason is predictable
 * (docs/formats.md reason codes). CRLF endings are not faults: some valid lines get them.
 */
import type { Random } from './random.ts';
import type { ChunkWriter } from './chunk-writer.ts';

export const EVENT_FAULTS = [
  'empty_line',
  'field_count',
  'bad_number',
  'negative_id',
  'unknown_platform',
  'bad_timestamp',
  'unknown_event_type',
  'bad_first_event',
  'outside_week',
  'invalid_utf8',
  'line_too_long',
] as const;
export const CRM_FAULTS = [
  'empty_line',
  'field_count',
  'bad_number',
  'negative_id',
  'unknown_category',
  'invalid_utf8',
  'line_too_long',
  'duplicate_key',
] as const;
export const PROFILE_FAULTS = [
  'empty_line',
  'field_count',
  'bad_number',
  'negative_id',
  'bad_gender',
  'age_out_of_range',
  'invalid_utf8',
  'line_too_long',
  'duplicate_key',
] as const;
export type Fault = (typeof EVENT_FAULTS)[number] | (typeof CRM_FAULTS)[number] | (typeof PROFILE_FAULTS)[number];

/** What dirty_expected.json says of one file. */
export interface FileExpectation {
  /** Valid lines (all accepted by a correct extractor), CRLF-ended ones included. */
  valid: number;
  /** Valid lines that end with CRLF. */
  crlf: number;
  /** Injected malformed lines by the reason a correct extractor gives. */
  rejected: Partial<Record<Fault, number>>;
}

/** A line longer than the 64 KiB limit. */
const LONG_FIELD = 'x'.repeat(66 * 1024);
/** Bytes that are not UTF-8 (a lone continuation byte and 0xFF). */
const NOT_UTF8 = new Uint8Array([0x49, 0x4e, 0x80, 0xff, 0x53]);

/**
 * Decides, line by line, where the injected lines go: selection sampling over
 * valid + dirty positions, so exactly `dirty` lines land uniformly among the valid ones.
 */
export class DirtyPlan {
  private remainingPositions: number;
  private remainingDirty: number;
  private injected = 0;
  readonly expectation: FileExpectation;
  private readonly faults: readonly Fault[];
  /** 64 KiB lines are costly: one a file is enough. */
  private readonly repeatable: readonly Fault[];
  private readonly rng: Random;
  private readonly crlfShare: number;

  constructor(rng: Random, valid: number, rate: number, faults: readonly Fault[]) {
    this.rng = rng;
    this.faults = faults;
    this.repeatable = faults.filter((f) => f !== 'line_too_long');
    const dirty = rate <= 0 ? 0 : Math.max(faults.length, Math.round((valid * rate) / (1 - rate)));
    this.remainingPositions = valid + dirty;
    this.remainingDirty = dirty;
    this.crlfShare = rate <= 0 ? 0 : Math.min(0.5, Math.max(rate, 0.01));
    this.expectation = { valid, crlf: 0, rejected: {} };
  }

  /** The fault of the next line if it is to be an injected one; call before each valid line. */
  nextFault(): Fault | undefined {
    if (this.remainingDirty === 0) return undefined;
    if (this.rng.float() * this.remainingPositions >= this.remainingDirty) return undefined;
    this.remainingDirty--;
    this.remainingPositions--;
    return this.take();
  }

  /** After the last valid line: the faults still to write. */
  *rest(): Generator<Fault> {
    while (this.remainingDirty > 0) {
      this.remainingDirty--;
      this.remainingPositions--;
      yield this.take();
    }
  }

  /** Call for each valid line; true when it should end with CRLF. */
  validLine(): boolean {
    this.remainingPositions--;
    const crlf = this.crlfShare > 0 && this.rng.chance(this.crlfShare);
    if (crlf) this.expectation.crlf++;
    return crlf;
  }

  /** Every fault once first (so each file has all kinds), then random ones (one long line a file). */
  private take(): Fault {
    const n = this.injected++;
    const pick = this.faults[n] ?? this.repeatable[this.rng.int(this.repeatable.length)];
    if (pick === undefined) throw new Error('no repeatable fault to inject (the plan has only line_too_long)');
    this.expectation.rejected[pick] = (this.expectation.rejected[pick] ?? 0) + 1;
    return pick;
  }
}

type Part = string | Uint8Array;

function writeLine(w: ChunkWriter, parts: Part[]): void {
  parts.forEach((p, i) => {
    if (i > 0) w.byte(9);
    if (typeof p === 'string') w.text(p);
    else w.raw(p);
  });
  w.end();
}

export interface EventLineContext {
  anonymousId: number;
  userId: number;
  companyId: number;
  time: number;
  weekStart: number;
  weekEnd: number;
}

/** One malformed event line with exactly the given fault. */
export function writeDirtyEvent(w: ChunkWriter, fault: Fault, ctx: EventLineContext, rng: Random): void {
  const f: Part[] = [
    String(ctx.anonymousId),
    String(ctx.userId),
    String(ctx.companyId),
    'PC',
    String(ctx.time),
    'INSPECT',
    '0',
  ];
  switch (fault) {
    case 'empty_line':
      w.end();
      return;
    case 'field_count':
      if (rng.chance(0.5)) f.pop();
      else f.push('extra');
      break;
    case 'bad_number':
      f[1] = `u${ctx.userId}`;
      break;
    case 'negative_id':
      f[2] = `-${ctx.companyId + 1}`;
      break;
    case 'unknown_platform':
      f[3] = 'SMARTWATCH';
      break;
    case 'bad_timestamp':
      f[4] = rng.chance(0.5) ? new Date(ctx.time * 1000).toISOString().slice(0, 19).replace('T', ' ') : `${ctx.time}.5`;
      break;
    case 'unknown_event_type':
      f[5] = 'DELETE_TPL';
      break;
    case 'bad_first_event':
      f[6] = rng.chance(0.5) ? '2' : 'yes';
      break;
    case 'outside_week':
      f[4] = String(rng.chance(0.5) ? ctx.weekStart - 1 - rng.int(86_400) : ctx.weekEnd + rng.int(86_400));
      break;
    case 'invalid_utf8':
      f[5] = NOT_UTF8;
      break;
    case 'line_too_long':
      f[5] = LONG_FIELD;
      break;
    default:
      throw new Error(`no event line for fault ${fault}`);
  }
  writeLine(w, f);
}

/** One malformed CRM line; `row` is a valid row (for duplicates, one already written). */
export function writeDirtyCrm(w: ChunkWriter, fault: Fault, row: string[], rng: Random): void {
  const f: Part[] = [...row];
  switch (fault) {
    case 'empty_line':
      w.end();
      return;
    case 'field_count':
      if (rng.chance(0.5)) f.pop();
      else f.push('extra');
      break;
    case 'bad_number':
      f[0] = `c${row[0]}`;
      break;
    case 'negative_id':
      f[0] = `-${Number(row[0]) + 1}`;
      break;
    case 'unknown_category': {
      const which = 1 + rng.int(3); // industry, region or social_type
      f[which] = which === 1 ? 'MINING' : which === 2 ? 'MARS-1' : 'MYSPACE';
      break;
    }
    case 'invalid_utf8':
      f[2] = NOT_UTF8;
      break;
    case 'line_too_long':
      f[3] = LONG_FIELD;
      break;
    case 'duplicate_key':
      break; // the same row again: the first one wins, and both say the same
    default:
      throw new Error(`no CRM line for fault ${fault}`);
  }
  writeLine(w, f);
}

/** One malformed profile line; `row` is a valid row (for duplicates, one already written). */
export function writeDirtyProfile(w: ChunkWriter, fault: Fault, row: string[], rng: Random): void {
  const f: Part[] = [...row];
  switch (fault) {
    case 'empty_line':
      w.end();
      return;
    case 'field_count':
      if (rng.chance(0.5)) f.pop();
      else f.push('extra');
      break;
    case 'bad_number':
      if (rng.chance(0.5)) f[0] = `${row[0]}x`;
      else f[2] = 'forty';
      break;
    case 'negative_id':
      f[0] = `-${row[0]}`;
      break;
    case 'bad_gender':
      f[1] = rng.chance(0.5) ? '2' : 'F';
      break;
    case 'age_out_of_range':
      f[2] = String([19, 71, 150, 0][rng.int(4)]);
      break;
    case 'invalid_utf8':
      f[1] = NOT_UTF8;
      break;
    case 'line_too_long':
      f[2] = LONG_FIELD;
      break;
    case 'duplicate_key':
      break;
    default:
      throw new Error(`no profile line for fault ${fault}`);
  }
  writeLine(w, f);
}
