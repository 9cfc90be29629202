/** BucketDeployment folder assets: the files CDK would copy into a bucket at deploy time. */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { LocalTemplate } from './template.ts';
import type { LocalResources } from './stack-resources.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

export async function deployBucketContents(
  template: LocalTemplate,
  resources: LocalResources,
  s3: S3Client,
  warn: (message: string) => void,
): Promise<void> {
  for (const deployment of template.bucketDeployments) {
    const bucket = resources.buckets[deployment.destinationBucketLogicalId];
    if (!bucket) continue;
    for (const missing of deployment.missing)
      warn(`${deployment.logicalId}: source ${missing} is not a folder asset; not deployed locally`);
    for (const dir of deployment.sourceDirs) await uploadFolder(s3, dir, bucket.name, deployment.prefix);
  }
}

/** Copies a folder into a bucket under `prefix`, with content types by extension. */
async function uploadFolder(s3: S3Client, dir: string, bucket: string, prefix: string): Promise<void> {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  for (const file of files) {
    const path = join(file.parentPath, file.name);
    const key = prefix + relative(dir, path).split(sep).join('/');
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: readFileSync(path),
        ContentType: CONTENT_TYPES[extname(file.name).toLowerCase()] ?? 'application/octet-stream',
      }),
    );
  }
}
