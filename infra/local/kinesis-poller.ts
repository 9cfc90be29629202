/**
 * A Kinesis event source mapping, run locally: one loop per shard reads records
 * (ListShards, GetShardIterator, GetRecords), invokes the function with a real
 * KinesisStreamEvent, and follows Lambda's rules for a failed batch: partial failures
 * (`batchItemFailures`) retry from the lowest failed sequence number, a function error
 * retries the batch or bisects it, and when retries or the record age run out the batch's
 * description goes to the on-failure destination and the shard moves on.
 *
 * The mapping's ParallelizationFactor is honoured as Lambda does: up to that many batches of
 * one shard at once, the records dealt into lanes by partition key so that one key's records
 * are handled in order (kinesis-shard-reader.ts). Each lane retries its own failed batches.
 */
import { GetShardIteratorCommand, ListShardsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { InvocationResult } from './lambda-runtime.ts';
import { ShardReader } from './kinesis-shard-reader.ts';
import { readRecordsLike, type ReadRecords, type StreamRecord } from './kinesis-get-records.ts';
import type { EventSourceMappingSpec } from './template.ts';

/** What a poller needs of an event source mapping, as the template reader gives it. */
type KinesisMappingSettings = Pick<
  EventSourceMappingSpec,
  | 'batchSize'
  | 'startingPosition'
  | 'bisectOnError'
  | 'maximumRetryAttempts'
  | 'maximumRecordAgeSeconds'
  | 'maximumBatchingWindowSeconds'
  | 'reportBatchItemFailures'
  | 'parallelizationFactor'
>;

export interface BatchOutcome {
  readonly shardId: string;
  readonly records: number;
  /** 'ok', 'partial' (some items failed), 'error' (the function failed), 'discarded' (sent to on-failure). */
  readonly outcome: 'ok' | 'partial' | 'error' | 'discarded';
  readonly reason?: string;
}

export interface KinesisPollerOptions {
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  readonly streamArn: string;
  readonly region: string;
  readonly functionArn: string;
  readonly settings: KinesisMappingSettings;
  readonly invoke: (event: unknown) => Promise<InvocationResult>;
  /** Receives AWS's on-failure record (batch info, not the records) when a batch is given up. */
  readonly onFailure?: (record: Record<string, unknown>) => Promise<void>;
  readonly onBatch?: (outcome: BatchOutcome) => void;
  /** Pause between empty reads (default 200 ms; Lambda polls each shard about once a second). */
  readonly pollIntervalMs?: number;
  /** Pause before a retry (default 100 ms). */
  readonly retryDelayMs?: number;
}

interface Work {
  records: StreamRecord[];
  attempts: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class KinesisPoller {
  readonly #options: KinesisPollerOptions;
  #running = false;
  #loops: Promise<void>[] = [];
  readonly #readers = new Set<ShardReader>();
  #busy = 0;

  constructor(options: KinesisPollerOptions) {
    this.#options = options;
  }

  /** Starts one loop per shard; resolves once every shard has its iterator. */
  async start(): Promise<void> {
    const { kinesis, streamName, settings } = this.#options;
    this.#running = true;
    const readRecords = await readRecordsLike(kinesis);
    const shards = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
    const iterators = await Promise.all(
      (shards.Shards ?? [])
        .flatMap(({ ShardId }) => (ShardId === undefined ? [] : [ShardId]))
        .map(async (shardId) => {
          const got = await kinesis.send(
            new GetShardIteratorCommand({
              StreamName: streamName,
              ShardId: shardId,
              ShardIteratorType: settings.startingPosition === 'TRIM_HORIZON' ? 'TRIM_HORIZON' : 'LATEST',
            }),
          );
          return { shardId, iterator: got.ShardIterator };
        }),
    );
    this.#loops = iterators.map(({ shardId, iterator }) => this.#pollShard(readRecords, shardId, iterator));
  }

  /** True while a batch is invoked or records read from the stream wait for their batch. */
  get busy(): boolean {
    return this.#busy > 0 || [...this.#readers].some((r) => r.buffered > 0);
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.allSettled(this.#loops);
  }

  async #pollShard(readRecords: ReadRecords, shardId: string, firstIterator: string | undefined): Promise<void> {
    const { settings } = this.#options;
    const pollMs = this.#options.pollIntervalMs ?? 200;
    const lanes = Math.max(1, Math.min(10, settings.parallelizationFactor));
    // Two batches a lane wait read ahead, as before with one lane.
    const reader = new ShardReader(readRecords, firstIterator, {
      pollMs,
      readAhead: settings.batchSize * 2 * lanes,
      lanes,
    });
    this.#readers.add(reader);
    await Promise.all(Array.from({ length: lanes }, (_, lane) => this.#pollLane(shardId, reader, lane, pollMs)));
  }

  /** One lane of a shard: one batch at a time, its records in the order the shard gave them. */
  async #pollLane(shardId: string, reader: ShardReader, lane: number, pollMs: number): Promise<void> {
    const { settings } = this.#options;
    const windowMs = settings.maximumBatchingWindowSeconds * 1000;
    while (this.#running && reader.open) {
      reader.readAhead();
      const oldest = reader.oldestReadAt(lane);
      if (oldest === undefined) {
        await reader.settle(pollMs);
        continue;
      }
      // Lambda waits for a full batch until the batching window (counted from the oldest record) closes.
      if (reader.waiting(lane) < settings.batchSize && Date.now() - oldest < windowMs && reader.more) {
        await reader.settle(Math.min(pollMs, 50));
        continue;
      }
      const batch = reader.take(settings.batchSize, lane);
      reader.readAhead(); // the next batch is read while this one runs
      this.#busy++;
      try {
        await this.#process(shardId, batch);
      } finally {
        this.#busy--;
      }
    }
  }

  async #process(shardId: string, batch: StreamRecord[]): Promise<void> {
    const { settings } = this.#options;
    const retryDelay = this.#options.retryDelayMs ?? 100;
    const work: Work[] = [{ records: batch, attempts: 0 }];
    for (let item = work.shift(); item !== undefined && this.#running; item = work.shift()) {
      const oldest = (item.records[0]?.ApproximateArrivalTimestamp ?? Date.now() / 1000) * 1000;
      if (settings.maximumRecordAgeSeconds >= 0 && Date.now() - oldest > settings.maximumRecordAgeSeconds * 1000) {
        await this.#giveUp(shardId, item, 'RecordAgeExceeded');
        continue;
      }
      const result = await this.#options.invoke(this.#event(shardId, item.records));
      const failedFrom = this.#firstFailure(result, item.records);
      if (failedFrom < 0) {
        this.#options.onBatch?.({ shardId, records: item.records.length, outcome: 'ok' });
        continue;
      }
      const retry: Work = { records: item.records.slice(failedFrom), attempts: item.attempts + 1 };
      const outcome = result.ok ? 'partial' : 'error';
      this.#options.onBatch?.({ shardId, records: item.records.length, outcome, reason: result.error?.errorMessage });
      if (settings.maximumRetryAttempts >= 0 && retry.attempts > settings.maximumRetryAttempts) {
        await this.#giveUp(shardId, retry, 'RetryAttemptsExhausted', result);
        continue;
      }
      await sleep(retryDelay);
      // A function error halves the batch; a partial failure already split it at the failed record.
      if (!result.ok && settings.bisectOnError && retry.records.length > 1) {
        const half = Math.ceil(retry.records.length / 2);
        work.unshift(
          { records: retry.records.slice(0, half), attempts: retry.attempts },
          { records: retry.records.slice(half), attempts: retry.attempts },
        );
      } else {
        work.unshift(retry);
      }
    }
  }

  /** Index of the first record to retry, or -1 when the whole batch succeeded. */
  #firstFailure(result: InvocationResult, records: StreamRecord[]): number {
    if (!result.ok) return 0;
    if (!this.#options.settings.reportBatchItemFailures) return -1;
    const failures = (result.payload as { batchItemFailures?: { itemIdentifier?: unknown }[] } | null)
      ?.batchItemFailures;
    if (!Array.isArray(failures) || failures.length === 0) return -1;
    let first = records.length;
    for (const failure of failures) {
      const index = records.findIndex((r) => r.SequenceNumber === failure?.itemIdentifier);
      // An identifier that names no record of the batch fails the whole batch, as on Lambda.
      if (index < 0) return 0;
      first = Math.min(first, index);
    }
    return first;
  }

  #event(shardId: string, records: StreamRecord[]): unknown {
    const { streamArn, region, functionArn } = this.#options;
    return {
      Records: records.map((r) => ({
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: r.PartitionKey,
          sequenceNumber: r.SequenceNumber,
          data: r.Data,
          approximateArrivalTimestamp: r.ApproximateArrivalTimestamp,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `${shardId}:${r.SequenceNumber}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: functionArn.replace(/:function:.*$/, ':role/local'),
        awsRegion: region,
        eventSourceARN: streamArn,
      })),
    };
  }

  async #giveUp(shardId: string, item: Work, condition: string, result?: InvocationResult): Promise<void> {
    // A batch holds one record at least; were it empty, the info would name no records.
    const first = item.records[0];
    const last = item.records.at(-1);
    this.#options.onBatch?.({ shardId, records: item.records.length, outcome: 'discarded', reason: condition });
    if (!this.#options.onFailure) return;
    await this.#options.onFailure({
      requestContext: {
        requestId: result?.requestId ?? 'none',
        functionArn: this.#options.functionArn,
        condition,
        approximateInvokeCount: item.attempts,
      },
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        functionError: result && !result.ok ? 'Unhandled' : '',
      },
      version: '1.0',
      timestamp: new Date().toISOString(),
      KinesisBatchInfo: {
        shardId,
        startSequenceNumber: first?.SequenceNumber,
        endSequenceNumber: last?.SequenceNumber,
        approximateArrivalOfFirstRecord: arrival(first),
        approximateArrivalOfLastRecord: arrival(last),
        batchSize: item.records.length,
        streamArn: this.#options.streamArn,
      },
    });
  }
}

function arrival(record: StreamRecord | undefined): string | undefined {
  return record && new Date(record.ApproximateArrivalTimestamp * 1000).toISOString();
}
