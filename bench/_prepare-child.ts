/**
 * Prepare's core on local part files in a fresh process (bench/scale.ts measures its peak
 * RSS under /usr/bin/time): `streamed`, what the Prepare handler does now (parts one at a
 * time, active users in a sorted typed array, split-parts.ts, the sets streamed out as views),
 * or `whole`, the earlier path (every part parsed, one Set of active users, the merged
 * table, labelAndSplit, each file encoded whole) as the reference. Prints one JSON line.
 */
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { gunzipSync } from 'node:zlib';
import { ActiveUsersBuilder } from '#core/training/active-users.ts';
import { datasetChunks, encodeDataset } from '#core/training/dataset-file.ts';
import { mergeFeatureTables, parseActiveUsers, parseFeaturesTsv } from '#core/training/features-table.ts';
import { labelAndSplit } from '#core/training/labels.ts';
import { splitParts } from '#core/training/split-parts.ts';
import { parseActiveUsers as activeUserIds } from '#core/extraction/files.ts';
import { present } from './_shared.ts';

const [mode, json] = process.argv.slice(2);
const { features, active, out } = JSON.parse(present(json, 'the JSON argument')) as {
  features: string[];
  active: string[];
  out: string;
};
const text = (path: string) => (path.endsWith('.gz') ? gunzipSync(readFileSync(path)) : readFileSync(path)).toString();
const started = performance.now();
let rows: number;
if (mode === 'whole') {
  const tables = features.map((path) => parseFeaturesTsv(text(path), path));
  const union = new Set<number>();
  for (const path of active) for (const id of parseActiveUsers(text(path))) union.add(id);
  const sets = labelAndSplit(mergeFeatureTables(tables), union, 7);
  writeFileSync(`${out}.train`, encodeDataset(sets.train));
  writeFileSync(`${out}.test`, encodeDataset(sets.test));
  rows = sets.train.rows + sets.test.rows;
} else if (mode === 'streamed') {
  const tables = [];
  for (const path of features) tables.push(parseFeaturesTsv(text(path), path));
  const builder = new ActiveUsersBuilder();
  for (const path of active) builder.add(activeUserIds(text(path)));
  const sets = splitParts(tables, builder.build(), 7);
  for (const [name, set] of [
    ['train', sets.train],
    ['test', sets.test],
  ] as const) {
    const file = createWriteStream(`${out}.${name}`);
    for (const chunk of datasetChunks(set)) if (!file.write(chunk)) await once(file, 'drain');
    file.end();
    await once(file, 'close');
  }
  rows = sets.train.rows + sets.test.rows;
} else throw new Error(`unknown mode ${mode}`);
console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000, rows }));
