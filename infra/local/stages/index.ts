/**
 * The stages of `npm start`, in order. Later issues add theirs here (training via the
 * state machine, prediction rounds, the dashboard at :7777): see pipeline.ts for `Stage`.
 */
import type { Stage } from '../pipeline.ts';
import { demoData } from './demo-data.ts';
import { extraction } from './extraction.ts';
import { prediction } from './prediction.ts';
import { training } from './training.ts';

// prediction runs after training (it needs a published model; without one it says so and skips).
export const stages: Stage[] = [demoData, extraction, training, prediction];
