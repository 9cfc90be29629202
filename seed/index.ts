/** The demo-data generator's public API (see seed/README.md). */
export { generateDemoData } from './generate.ts';
export type { SeedOptions, SeedResult } from './generate.ts';
export { directorySink, memorySink } from './sinks.ts';
export type { FileExpectation } from './dirty.ts';
