/**
 * One measurement of bench/training.ts in a fresh process, so its peak RSS is its own:
 * `prepare` / `train` run the handler against the emulated S3 the parent started;
 * `prepare-local` / `train-local` do the same work on local data (the reference).
 * Prints one JSON line: { seconds, peakRssMb, baselineRssMb, result }.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseActiveUsers, parseFeaturesTsv } from '#core/training/features-table.ts';
import { labelAndSplit } from '#core/training/labels.ts';
import { encodeDataset, decodeDataset } from '#core/training/dataset-file.ts';
import { forestEngine } from '#core/training/forest-engine.ts';
import { present } from './_shared.ts';

const [stage, json] = process.argv.slice(2);
const arg = present(json, `the JSON argument of stage ${stage}`);
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
// Loaded before the clock starts: a Lambda's init is not part of its invocation time.
const prepareHandler = stage === 'prepare' ? (await import('#handlers/training/prepare.ts')).handler : undefined;
const trainHandler = stage === 'train' ? (await import('#handlers/training/train.ts')).handler : undefined;
const baselineRssMb = mb(process.memoryUsage().rss);
const started = performance.now();
let result: unknown;
switch (stage) {
  case 'prepare':
    result = await present(prepareHandler, 'the prepare handler')(JSON.parse(arg), undefined);
    break;
  case 'train':
    result = await present(trainHandler, 'the train handler')(JSON.parse(arg), undefined);
    break;
  case 'prepare-local': {
    const { features, active } = JSON.parse(arg) as { features: string; active: string };
    const table = parseFeaturesTsv(readFileSync(features, 'utf8'), features);
    const sets = labelAndSplit(table, parseActiveUsers(readFileSync(active, 'utf8')), 7);
    result = { bytes: encodeDataset(sets.train).length + encodeDataset(sets.test).length };
    break;
  }
  case 'train-local': {
    const { dataset, params } = JSON.parse(arg) as { dataset: string; params: Record<string, number | string> };
    const model = await forestEngine.train(decodeDataset(readFileSync(dataset), dataset), params, {
      threads: availableParallelism(),
    });
    result = { nodes: model.nodes };
    break;
  }
  default:
    throw new Error(`unknown stage ${stage}`);
}
const seconds = (performance.now() - started) / 1000;
console.log(
  JSON.stringify({ seconds, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), baselineRssMb, result }),
);
