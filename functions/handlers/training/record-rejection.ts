/**
 * RecordRejection: the gate said no. Writes training/<runId>/rejected.json with the reason
 * and the candidates; models/current.json is not touched, so the current model stays.
 */
import { trainingKeys } from '#core/training/keys.ts';
import { lazyHandler } from '#aws/lambda-handler.ts';
import { requireEnv } from '#aws/clients.ts';
import { TrainingStore } from '#aws/training/store.ts';
import type { EvaluateOutput } from './evaluate.ts';

export interface RejectionOutput {
  readonly runId: string;
  readonly decision: 'reject';
  readonly reason: string;
  readonly auc: number;
  readonly currentVersion?: string;
}

export interface RecordRejectionDeps {
  readonly store: TrainingStore;
  readonly dataBucket: string;
  readonly now: () => Date;
}

export function createRecordRejectionHandler(deps: RecordRejectionDeps) {
  return async (event: EvaluateOutput): Promise<RejectionOutput> => {
    const record = {
      formatVersion: 1,
      runId: event.runId,
      trainWeek: event.trainWeek,
      labelWeek: event.labelWeek,
      rejectedAt: deps.now().toISOString(),
      reason: event.gate.reason,
      gate: event.gate,
      best: event.best,
      candidates: event.candidates,
      ...(event.current ? { current: event.current } : {}),
    };
    await deps.store.put(deps.dataBucket, trainingKeys(event.runId).rejected, JSON.stringify(record, null, 2) + '\n');
    return {
      runId: event.runId,
      decision: 'reject',
      reason: event.gate.reason,
      auc: event.best.auc,
      ...(event.current ? { currentVersion: event.current.version } : {}),
    };
  };
}

function recordRejectionDepsFromEnv(): RecordRejectionDeps {
  return { store: new TrainingStore(), dataBucket: requireEnv('DATA_BUCKET'), now: () => new Date() };
}

export const handler = lazyHandler(() => createRecordRejectionHandler(recordRejectionDepsFromEnv()));
