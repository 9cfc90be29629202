/**
 * Extraction core, public API (pure: no fs, no AWS, no process.env). The extract Lambda and
 * `retention extract` both run the use case `extractWeek` (extract-week.ts) over the storage
 * port, with their own stores and keys; the pieces below are what it is made of, for code
 * that brings byte chunks itself (plain or already gunzipped) and writes the texts returned.
 *
 *   const onReject = (r) => rejectsOut.write(formatReject(r));
 *   const agg = createEventAggregator({ week, baseWeek, categories, onReject });
 *   for (const file of files) { agg.beginSource(name); for await (c of chunks) agg.push(c); agg.endSource(); }
 *   const events = agg.result();                       // or: await extractEvents(sources, opts)
 *   const crm = await parseCrmTable(chunks, { name, categories, onReject });
 *   const profiles = await parseProfileTable(chunks, { name, onReject });
 *   const week = joinWeek(events, crm, profiles);
 *   formatFeaturesTsv(week), formatActiveUsers(week.activeUsers),
 *   formatManifest(buildManifest({ ..., events: events.lineCounts, extracted: week,
 *     crm: { ...crm.lineCounts(), rows: crm.size }, profiles: { ...profiles.lineCounts(), rows: profiles.size } }))
 *
 * Unjoined counts for a later re-join: formatUserCounts(events) / parseUserCounts(text, { week }),
 * several parts of a week: mergeAggregates([a, b, ...]).
 */
export * from './types.ts';
export { parseEventLine } from './event-line.ts';
export { extractEvents } from './event-aggregator.ts';
export { mergeAggregates, formatUserCounts, parseUserCounts } from './event-aggregate.ts';
export { parseCrmTable, parseProfileTable, parseCrmLine, parseProfileLine } from './tables.ts';
export { joinWeek } from './join.ts';
export {
  FEATURES_TSV_HEADER,
  formatFeaturesTsv,
  parseFeaturesTsv,
  formatActiveUsers,
  activeUsersChunks,
  parseActiveUsers,
  formatReject,
  parseRejects,
  buildManifest,
  formatManifest,
  parseManifest,
  type ManifestInput,
} from './files.ts';
