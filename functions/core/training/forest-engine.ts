/**
 * The TrainingEngine the training handlers (and prediction) use: the histogram forest
 * engine (functions/core/forest/). Its worker threads load functions/core/forest/worker.ts,
 * which the Train bundle ships compiled beside the handler (FOREST_WORKER_ENTRY in
 * infra/constructs/training.ts); from source it runs as TypeScript.
 */
import type { TrainingEngine } from './engine.ts';
import { histogramEngine } from '../forest/training-engine.ts';

export const forestEngine: TrainingEngine = histogramEngine;
