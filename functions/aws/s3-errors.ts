/**
 * S3's errors in the words this product uses: the one check for "no such object", the one
 * for a refused condition, and a sentence a person can act on for the rest.
 */
interface SdkError {
  readonly name?: string;
  readonly Code?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const statusOf = (error: unknown) => (error as SdkError).$metadata?.httpStatusCode;
const codeOf = (error: unknown) => (error as SdkError).name ?? (error as SdkError).Code;

/** The key does not exist (GET says NoSuchKey, HEAD only 404). A missing bucket is not this. */
export function isS3NotFound(error: unknown): boolean {
  const code = codeOf(error);
  return code === 'NoSuchKey' || code === 'NotFound' || (statusOf(error) === 404 && code !== 'NoSuchBucket');
}

/** S3 refused the request (HTTP 403): no permission, or a missing key to a caller that may not list it. */
export function isS3AccessDenied(error: unknown): boolean {
  return codeOf(error) === 'AccessDenied' || statusOf(error) === 403;
}

/** An If-Match / If-None-Match condition refused (HTTP 412). */
export function isS3PreconditionFailed(error: unknown): boolean {
  return codeOf(error) === 'PreconditionFailed' || statusOf(error) === 412;
}

/** Another write of the key was under way when a conditional write arrived (HTTP 409): S3 says retry. */
export function isS3ConditionalConflict(error: unknown): boolean {
  return codeOf(error) === 'ConditionalRequestConflict';
}

export function describeS3Error(error: unknown): string {
  const code = codeOf(error) ?? 'Error';
  const status = statusOf(error);
  if (isS3NotFound(error)) return 'no such object (deleted after the event, or a wrong key)';
  if (isS3AccessDenied(error))
    return "access denied (the function's role may not read it, or the KMS key is not usable)";
  if (code === 'NoSuchBucket') return 'no such bucket';
  return `${code}${status ? ` (HTTP ${status})` : ''}: ${(error as SdkError).message ?? String(error)}`;
}
