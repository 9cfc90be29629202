/**
 * One Lambda execution environment: a worker thread that loads a function's bundle once and
 * runs one invocation at a time. Its process.env is the function's own (set by the parent
 * through the Worker `env` option). Runs as plain Node 24 (type stripping): node: imports only.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { getHeapStatistics } from 'node:v8';

export interface WorkerInit {
  modulePath: string;
  exportName: string;
  functionName: string;
  functionArn: string;
  memoryMb: number;
  logGroupName: string;
}

export interface InvokeRequest {
  id: number;
  requestId: string;
  /** The event as JSON, like Lambda's invoke payload. */
  payload: string;
  deadline: number;
}

export type InvokeReply =
  | { id: number; ok: true; payload: string; peakMemoryBytes: number; durationMs: number }
  | {
      id: number;
      ok: false;
      error: { errorType: string; errorMessage: string; trace: string[] };
      peakMemoryBytes: number;
      durationMs: number;
    };

type Handler = (event: unknown, context: unknown) => unknown;

const init = workerData as WorkerInit;
if (!parentPort) throw new Error('lambda-worker.ts runs only as a worker thread (it has no parent port)');
const port = parentPort;

const handlerReady: Promise<Handler> = import(pathToFileURL(init.modulePath).href).then(
  (module: Record<string, unknown>) => {
    const fromDefault = (module.default as Record<string, unknown> | undefined)?.[init.exportName];
    const handler = module[init.exportName] ?? fromDefault;
    if (typeof handler !== 'function') throw new Error(`${init.modulePath} exports no function "${init.exportName}"`);
    return handler as Handler;
  },
);
handlerReady.catch(() => undefined); // reported on the first invocation

/** Heap plus off-heap buffers of this isolate: what a Lambda's memory setting must hold. */
function memoryNow(): number {
  const h = getHeapStatistics();
  return h.used_heap_size + ((h as { external_memory?: number }).external_memory ?? 0);
}

port.on('message', async (request: InvokeRequest) => {
  const started = performance.now();
  let peak = memoryNow();
  const sampler = setInterval(() => {
    peak = Math.max(peak, memoryNow());
  }, 25);
  const context = {
    functionName: init.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: init.functionArn,
    memoryLimitInMB: String(init.memoryMb),
    awsRequestId: request.requestId,
    logGroupName: init.logGroupName,
    logStreamName: `local/${process.pid}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, request.deadline - Date.now()),
  };
  let reply: InvokeReply;
  try {
    const handler = await handlerReady;
    const result = await handler(JSON.parse(request.payload), context);
    peak = Math.max(peak, memoryNow());
    reply = {
      id: request.id,
      ok: true,
      payload: JSON.stringify(result ?? null),
      peakMemoryBytes: peak,
      durationMs: performance.now() - started,
    };
  } catch (caught) {
    const error = caught instanceof Error ? caught : new Error(String(caught));
    peak = Math.max(peak, memoryNow());
    reply = {
      id: request.id,
      ok: false,
      error: { errorType: error.name || 'Error', errorMessage: error.message, trace: (error.stack ?? '').split('\n') },
      peakMemoryBytes: peak,
      durationMs: performance.now() - started,
    };
  } finally {
    clearInterval(sampler);
  }
  console.log(reportLine(request.requestId, reply));
  port.postMessage(reply);
});

/** Lambda's last log line of an invocation; Max Memory Used here is heap + buffers, not the process's RSS. */
function reportLine(requestId: string, reply: InvokeReply): string {
  return [
    `REPORT RequestId: ${requestId}`,
    `Duration: ${reply.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${Math.ceil(reply.durationMs)} ms`,
    `Memory Size: ${init.memoryMb} MB`,
    `Max Memory Used: ${Math.ceil(reply.peakMemoryBytes / 2 ** 20)} MB`,
  ].join('\t');
}
