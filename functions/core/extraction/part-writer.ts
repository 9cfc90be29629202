/**
 * Writing an extracted week (or one part of it) through the storage port: features,
 * active users, per-user counts when kept, and the manifest last, so that a folder with a
 * manifest is complete. A key ending in .gz is written gzipped.
 */
import { isGzipKey } from '#core/storage/reads.ts';
import type { ObjectStore } from '#core/storage/port.ts';
import type { WeekId } from '#core/weeks.ts';
import type { EventAggregate } from './event-aggregate.ts';
import { formatUserCounts } from './event-aggregate.ts';
import { activeUsersChunks, buildManifest, featuresTsvChunks, formatManifest } from './files.ts';
import { joinWeek } from './join.ts';
import type { JoinTables } from './sources.ts';
import type { Manifest, ManifestVerdict, RejectsKept } from './types.ts';

/** Where an extraction writes its files in the target store. */
export interface OutputKeys {
  readonly rejects: string;
  readonly features: string;
  readonly activeUsers: string;
  readonly manifest: string;
  /** Per-user counts before the join, kept so that a late table can be joined again; none when absent. */
  readonly userCounts?: string;
}

/** What the manifest says beyond the counts: calendar, verdict, rejects kept, sources. */
export interface ManifestSources {
  readonly baseWeek?: WeekId;
  readonly verdict: ManifestVerdict;
  readonly rejectsKept: RejectsKept;
  readonly sources: Manifest['sources'];
}

/** Joins the counts with the tables and writes everything but the rejects; returns the keys written, in order. */
export async function writeJoinedPart(
  target: ObjectStore,
  keys: OutputKeys,
  events: EventAggregate,
  tables: JoinTables,
  input: ManifestSources,
): Promise<{ manifest: Manifest; written: string[] }> {
  const joined = joinWeek(events, tables.crm, tables.profiles);
  const manifest = buildManifest({
    week: events.week,
    baseWeek: input.baseWeek,
    verdict: input.verdict,
    rejectsKept: input.rejectsKept,
    sources: input.sources,
    events: events.lineCounts,
    extracted: joined,
    crm: { ...tables.crmCounts, rows: tables.crm.size },
    profiles: { ...tables.profileCounts, rows: tables.profiles.size },
  });
  const written: string[] = [];
  const stream = async (key: string, chunks: Iterable<string | Uint8Array>) => {
    await target.writeStream(key, chunks, { gzip: isGzipKey(key) });
    written.push(key);
  };
  if (keys.userCounts !== undefined) await stream(keys.userCounts, [formatUserCounts(events)]);
  await stream(keys.features, featuresTsvChunks(joined));
  await stream(keys.activeUsers, activeUsersChunks(joined.activeUsers));
  await target.write(keys.manifest, formatManifest(manifest));
  written.push(keys.manifest);
  return { manifest, written };
}
