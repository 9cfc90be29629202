/**
 * Extraction, the one use case both the extract Lambda and `retention extract` run: reads
 * the category lists, the event sources (one after another through one aggregator) and the
 * CRM and profile tables from a source store, streams rejects out as they are found, and
 * writes the joined week to a target store, the manifest last. Only the stores and the keys
 * differ between the two (an S3 bucket's raw/ and extracted/ folders, or local files).
 * Memory stays bounded: sources stream, rejects are written while they are found.
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
import type { Manifest, Reject } from './types.ts';

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
  readonly baseWeek: WeekId;
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
  try {
    const aggregator = createEventAggregator({ week, baseWeek, categories, onReject });
    for (const key of inputs.events) {
      const { info } = await readSource(source, key, aggregator, { afterChunk: rejects.drain, storeDigest: true });
      sources.push({ kind: 'events', ...info });
    }
    const events = aggregator.result();
    const tables = await readJoinTables(source, inputs, categories, {
      onReject,
      afterChunk: rejects.drain,
      absentIsEmpty: inputs.tablesMayBeAbsent,
    });
    await rejects.close();
    const { manifest, written } = await writeJoinedPart(target, outputs, events, tables, {
      baseWeek,
      sources: [...sources, ...tables.sources],
    });
    return { manifest, written: [outputs.rejects, ...written], tables };
  } catch (error) {
    await rejects.abort(error as Error);
    throw error;
  }
}
