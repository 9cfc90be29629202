/**
 * The stages of `npm start`, in order. Later issues add theirs here (training via the
 * state machine, prediction rounds, the dashboard at :7777): see pipeline.ts for `Stage`.
 */
import type { Stage } from '../pipeline.ts';
import { demoData } from './demo-data.ts';
import { extraction } from './extraction.ts';

export const stages: Stage[] = [demoData, extraction];
