/**
 * The engine the training flow trains with, and prediction scores with: the histogram
 * forest (functions/core/forest/). Its worker threads load functions/core/forest/worker.ts,
 * which the Train bundle ships compiled beside the handler (FOREST_WORKER_ENTRY in
 * infra/constructs/training.ts); from source it runs as TypeScript.
 */
import type { ForestEngine } from '#core/forest/engine.ts';
import { histogramEngine } from '#core/forest/training-engine.ts';

export const forestEngine: ForestEngine = histogramEngine;
