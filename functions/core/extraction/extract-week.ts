/**
 * Extraction, the one use case both the extract Lambda and `retention extract` run: reads
 * the category lists, the event sources (one after another through one aggregator) and the
 * CRM and profile tables from a source store, streams rejects out as they are found, and
 * writes the joined week to a target store, the manifest last. Only the stores and the keys
 * differ between the two (an S3 bucket's raw/ and extracted/ folders, or local files).
 * Memory stays bounded: sources stream, rejects are written while they are found (the first
 * ones of each reason and source; the rest are counted).
 *
 * The week's event lines are judged (verdict.ts) and the verdict goes into the manifest, which
 * is written even when the verdict is failed: the caller decides what a failed week means
 * (the command line exits non-zero, the cloud does not mark the week complete).
 */
import type { CategoryListName } from '#core/schema.ts';
import type { ObjectStore } from '#core/storage/port.ts';
import { openStreamedWrite } from '#core/storage/streamed-write.ts';
import { isGzipKey } from '#core/storage/reads.ts';
import type { WeekId } from '#core/weeks.ts';
import { createEventAggregator } from './event-aggregator.ts';
import { formatReject } from './files.ts';
import { writeJoinedPart, type OutputKeys } from './part-writer.ts';
import { readCategoryLists, readJoinTables, readSource, type JoinTables, type TableKeys } from './sources.ts';
import { rejectsKept } from './rejects-kept.ts';
import {
  DEFAULT_REJECTS_KEPT_PER_REASON,
  type LineCounts,
  type Manifest,
  type Reject,
  type SourceInfo,
} from './types.ts';
import { judgeExtraction } from './verdict.ts';

/** What to read, as keys of the source store (manifest source names are these keys). */
export interface ExtractionInputs extends TableKeys {
  readonly events: readonly string[];
  /** Where each category list may be; a list absent there keeps its defaults. */
  readonly categoryLists: Partial<Record<CategoryListName, string>>;
  /** An absent table joins nobody (to be joined again when it arrives) instead of failing the extraction. */
  readonly tablesMayBeAbsent?: boolean;
}

export interface ExtractWeekRequest {
  readonly source: ObjectStore;
  readonly target: ObjectStore;
  readonly week: WeekId;
  /** The ISO week numbered week 0 stands for; none: a numbered week's event times are not checked. */
  readonly baseWeek?: WeekId;
  /** Above this share of rejected event lines the verdict is failed (default 0.5). */
  readonly maxRejectedShare?: number;
  /** Raw rejects kept per source and reason (default DEFAULT_REJECTS_KEPT_PER_REASON). */
  readonly rejectsKeptPerReason?: number;
  readonly inputs: ExtractionInputs;
  readonly outputs: OutputKeys;
}

export interface ExtractWeekResult {
  readonly manifest: Manifest;
  /** Keys written in the target store, in order (the manifest last). */
  readonly written: string[];
  /** The tables it joined with (see tablesChangedSince). */
  readonly tables: JoinTables;
}

export async function extractWeek(request: ExtractWeekRequest): Promise<ExtractWeekResult> {
  const { source, target, week, baseWeek, inputs, outputs } = request;
  const { categories, sources } = await readCategoryLists(source, inputs.categoryLists);
  const rejects = openStreamedWrite(target, outputs.rejects, { gzip: isGzipKey(outputs.rejects) });
  const onReject = (reject: Reject) => rejects.add(formatReject(reject));
  const rejectsPerReason = request.rejectsKeptPerReason ?? DEFAULT_REJECTS_KEPT_PER_REASON;
  const sourceCounts: LineCounts[] = [];
  try {
    const aggregator = createEventAggregator({ week, baseWeek, categories, onReject, rejectsPerReason });
    const eventSources: SourceInfo[] = [];
    for (const key of inputs.events) {
      const read = await readSource(source, key, aggregator, { afterChunk: rejects.drain, storeDigest: true });
      const { info } = read;
      refuseRepeatedContent(eventSources, info);
      eventSources.push(info);
      sourceCounts.push(read.counts);
      sources.push({ kind: 'events', ...info });
    }
    const events = aggregator.result();
    const verdict = judgeExtraction(events.lineCounts, {
      subject: eventsSubject(inputs.events),
      maxRejectedShare: request.maxRejectedShare,
    });
    const tables = await readJoinTables(source, inputs, categories, {
      onReject,
      rejectsPerReason,
      afterChunk: rejects.drain,
      absentIsEmpty: inputs.tablesMayBeAbsent,
    });
    await rejects.close();
    const { manifest, written } = await writeJoinedPart(target, outputs, events, tables, {
      baseWeek,
      verdict,
      rejectsKept: rejectsKept(rejectsPerReason, [...sourceCounts, tables.crmCounts, tables.profileCounts]),
      sources: [...sources, ...tables.sources],
    });
    return { manifest, written: [outputs.rejects, ...written], tables };
  } catch (error) {
    await rejects.abort(error as Error);
    throw error;
  }
}

/** The same events read twice would count every event twice: refused, naming both sources. */
function refuseRepeatedContent(earlier: readonly SourceInfo[], info: SourceInfo): void {
  const same = earlier.find((e) => e.sha256 === info.sha256);
  if (same === undefined) return;
  throw new Error(
    `${info.name} has the same content as ${same.name} (sha256 ${info.sha256}): ` +
      'the same events given twice would count every event twice; give each file once',
  );
}

/** The event sources as a verdict names them: every name when few, else the first and how many. */
function eventsSubject(keys: readonly string[]): string {
  if (keys.length <= 3) return keys.join(', ');
  return `${keys[0]} and ${keys.length - 1} more event files`;
}
