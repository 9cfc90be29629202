/**
 * The S3Event Lambda receives for an object created, shaped as AWS sends it: one record,
 * the key URL-encoded (spaces as `+`), size and ETag from the stored object.
 */
import { randomBytes } from 'node:crypto';

export interface ObjectCreated {
  readonly region: string;
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly eTag: string;
  /** Upload time, ms since the epoch. */
  readonly at: number;
  /** fauxqs reports every kind of put the same way, so Put is the only name used. */
  readonly eventName?: string;
}

/** How S3 writes a key into an event: form-encoded, with `/` kept. */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%2F/g, '/')
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function buildS3Event(object: ObjectCreated): { Records: unknown[] } {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: object.region,
        eventTime: new Date(object.at).toISOString(),
        eventName: object.eventName ?? 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:LOCAL' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: {
          'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase(),
          'x-amz-id-2': randomBytes(24).toString('base64'),
        },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'local-notification',
          bucket: {
            name: object.bucket,
            ownerIdentity: { principalId: 'LOCAL' },
            arn: `arn:aws:s3:::${object.bucket}`,
          },
          object: {
            key: encodeEventKey(object.key),
            size: object.size,
            eTag: object.eTag.replace(/"/g, ''),
            sequencer: object.at.toString(16).toUpperCase().padStart(16, '0'),
          },
        },
      },
    ],
  };
}
