/**
 * GetRecords for the local poller, over plain HTTP. The records' data stays the base64 text
 * the emulator sends, which is what Lambda's event carries; through the SDK every record
 * would be checked against a regular expression and decoded to bytes, for the poller to
 * encode it again (most of the bytes of a burst). kinesalite checks that a request is signed,
 * not the signature, so the request names the local credentials without signing.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';

/** A record as Kinesis's JSON protocol gives it. */
export interface StreamRecord {
  /** The record's bytes, base64. */
  readonly Data: string;
  readonly PartitionKey: string;
  readonly SequenceNumber: string;
  /** When the stream took the record, epoch seconds. */
  readonly ApproximateArrivalTimestamp: number;
}

interface RecordsPage {
  readonly records: StreamRecord[];
  /** Undefined once the shard is closed and read to its end. */
  readonly nextIterator: string | undefined;
}

export type ReadRecords = (iterator: string, limit: number) => Promise<RecordsPage>;

/** A GetRecords over HTTP to the endpoint `kinesis` is configured with (a local emulator's). */
export async function readRecordsLike(kinesis: KinesisClient): Promise<ReadRecords> {
  const endpoint = await kinesis.config.endpoint?.();
  if (!endpoint) throw new Error('the local poller reads a local stream: its Kinesis client names no endpoint');
  const url = `${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}${endpoint.path}`;
  const { accessKeyId } = await kinesis.config.credentials();
  const region = await kinesis.config.region();
  return (iterator, limit) => getRecords(url, { accessKeyId, region }, iterator, limit);
}

async function getRecords(
  url: string,
  who: { accessKeyId: string; region: string },
  iterator: string,
  limit: number,
): Promise<RecordsPage> {
  const now = new Date().toISOString().replace(/[-:]|\.\d+/g, ''); // 20261202T083000Z
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'Kinesis_20131202.GetRecords',
      'x-amz-date': now,
      authorization:
        `AWS4-HMAC-SHA256 Credential=${who.accessKeyId}/${now.slice(0, 8)}/${who.region}/kinesis/aws4_request, ` +
        `SignedHeaders=host;x-amz-date;x-amz-target, Signature=${'0'.repeat(64)}`,
    },
    body: JSON.stringify({ ShardIterator: iterator, Limit: limit }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`GetRecords answered ${response.status}: ${text.slice(0, 300)}`);
  const page = JSON.parse(text) as { Records?: StreamRecord[]; NextShardIterator?: string };
  return { records: page.Records ?? [], nextIterator: page.NextShardIterator };
}
