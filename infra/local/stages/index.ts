/**
 * The stages of `npm start`, in order: demo data, extraction, training (the state machine),
 * prediction rounds, the dashboard at :7777. See pipeline.ts for `Stage`.
 */
import type { Stage } from '#infra/local/pipeline.ts';
import { dashboard } from './dashboard.ts';
import { demoData } from './demo-data.ts';
import { extraction } from './extraction.ts';
import { prediction } from './prediction.ts';
import { training } from './training.ts';

// prediction runs after training (it needs a published model; without one it says so and skips).
// dashboard comes last so that its address is the last thing printed.
export const stages: Stage[] = [demoData, extraction, training, prediction, dashboard];
