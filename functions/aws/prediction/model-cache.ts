/**
 * The model a predict Lambda scores with: read from models/current.json on the first call,
 * kept in memory, and re-checked at most every `refreshSeconds` by the pointer's ETag (one
 * HeadObject), so a newly published model is used without a deploy. The model itself is
 * read only when the pointer changed to another version.
 */
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isS3Missing } from '#aws/s3-missing.ts';
import { CURRENT_MODEL_KEY, modelKeys } from '#core/training/keys.ts';
import { prepareModel, type PredictionModel } from '#core/prediction/model.ts';

export interface ModelCacheOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  /** At most one pointer check per this many seconds (MODEL_REFRESH_SECONDS). */
  readonly refreshSeconds: number;
  /** Turns model.json into a scorer (default: prepareModel). */
  readonly prepare?: (modelJson: string, version: string) => PredictionModel;
  readonly now?: () => number;
  /** Told when a re-check failed and the cached model stays in use. */
  readonly onRefreshError?: (error: Error) => void;
}

export class ModelCache {
  private readonly options: ModelCacheOptions;
  private model: PredictionModel | undefined;
  private etag: string | undefined;
  private checkedAt = -Infinity;
  private pending: Promise<PredictionModel | undefined> | undefined;

  constructor(options: ModelCacheOptions) {
    this.options = options;
  }

  /** The model to use now, or undefined when none has been published yet. */
  current(): Promise<PredictionModel | undefined> {
    const now = (this.options.now ?? Date.now)();
    if (this.model && now - this.checkedAt < this.options.refreshSeconds * 1000) return Promise.resolve(this.model);
    // Concurrent callers share one check. A failed check keeps a model we already have
    // (the next batch checks again); without one the error fails the batch, which is retried.
    this.pending ??= this.refresh(now)
      .catch((error: unknown) => {
        if (!this.model) throw error;
        this.options.onRefreshError?.(error as Error);
        return this.model;
      })
      .finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async refresh(now: number): Promise<PredictionModel | undefined> {
    const { s3, bucket } = this.options;
    let etag: string | undefined;
    try {
      etag = (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: CURRENT_MODEL_KEY }))).ETag;
    } catch (error) {
      if (!(await isS3Missing(s3, bucket, CURRENT_MODEL_KEY, error))) throw error;
      this.checkedAt = now;
      return this.model; // no pointer (yet): keep whatever we had
    }
    if (this.model && etag === this.etag) {
      this.checkedAt = now;
      return this.model;
    }
    const pointer = JSON.parse(await getText(s3, bucket, CURRENT_MODEL_KEY)) as { version?: unknown };
    if (typeof pointer.version !== 'string' || pointer.version === '')
      throw new Error(`${CURRENT_MODEL_KEY} has no version`);
    if (pointer.version !== this.model?.version) {
      const modelJson = await getText(s3, bucket, modelKeys(pointer.version).model);
      this.model = (this.options.prepare ?? prepareModel)(modelJson, pointer.version);
    }
    this.etag = etag;
    this.checkedAt = now;
    return this.model;
  }
}

async function getText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!response.Body) throw new Error(`s3://${bucket}/${key}: empty response body`);
  return response.Body.transformToString();
}
