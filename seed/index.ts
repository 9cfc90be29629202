/** The demo-data generator's public API (see seed/README.md). */
export { generateDemoData, resolveOptions, weekNames } from './generate.ts';
export type { SeedOptions, SeedResult, SeedFileSummary, SeedWeekSummary } from './generate.ts';
export { directorySink, memorySink, type MemorySink } from './sinks.ts';
export type { SeedSink, SeedFile } from './sink.ts';
export type { FileExpectation, Fault } from './dirty.ts';
