/**
 * S3's conditional writes in front of fauxqs, which stores a PutObject whatever its
 * If-Match / If-None-Match say. Every request that replaces or removes an object passes
 * through here first, one at a time per key, so a condition is judged and the write done
 * with no other write of that key in between (of racing writers the first to finish wins
 * and the others are judged after it, as on S3). A condition is judged against the
 * object's ETag (a HEAD to fauxqs itself) and refused as S3 refuses it: 412
 * PreconditionFailed when it does not hold, 404 NoSuchKey for If-Match on a key with no
 * object, and 409 ConditionalRequestConflict for a conditional CompleteMultipartUpload
 * whose key was written or deleted while the parts were uploaded.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

interface ObjectWrite {
  /** `bucket/key` as the path names it (still URL-encoded): the unit of atomicity. */
  readonly path: string;
  readonly ifMatch?: string;
  readonly ifNoneMatch?: string;
  /** CompleteMultipartUpload's upload. */
  readonly uploadId?: string;
}

/** Puts the layer in front of the request listener of fauxqs's HTTP server. */
export function honourConditionalWrites(server: Server): void {
  const listeners = server.listeners('request') as RequestListener[];
  if (listeners.length !== 1) throw new Error(`expected fauxqs's one request listener, found ${listeners.length}`);
  const [fauxqs] = listeners as [RequestListener];
  const headOf = (path: string) => headEtag((server.address() as AddressInfo).port, path);
  server.removeAllListeners('request');
  server.on('request', conditionalWriteLayer(fauxqs, headOf));
}

/** The ETag of the object at `path`, or undefined when there is none. */
async function headEtag(port: number, path: string): Promise<string | undefined> {
  const response = await fetch(`http://127.0.0.1:${port}/${path}`, { method: 'HEAD' });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`HEAD /${path} answered ${response.status}`);
  return response.headers.get('etag') ?? undefined;
}

function conditionalWriteLayer(
  next: RequestListener,
  headOf: (path: string) => Promise<string | undefined>,
): RequestListener {
  const writes = new KeyQueue();
  const history = new KeyHistory();
  return (request, response) => {
    const created = multipartCreatedOf(request);
    if (created) captureUploadId(response, (uploadId) => history.uploadCreated(uploadId, created));
    const write = objectWriteOf(request);
    if (write === undefined) return next(request, response);
    const conditional = write.ifMatch !== undefined || write.ifNoneMatch !== undefined;
    void writes.run(write.path, async () => {
      try {
        const refusal = conditional ? await judgeNow(write) : undefined;
        if (refusal) refuse(request, response, refusal.status, refusal.body);
        else next(request, response);
      } catch (error) {
        refuse(request, response, 500, errorXml('InternalError', `judging the condition: ${(error as Error).message}`));
      }
      await finished(response);
      if (response.statusCode < 300) history.written(write.path);
    });
  };

  async function judgeNow(write: ObjectWrite) {
    if (write.uploadId !== undefined && history.changedSince(write.uploadId, write.path))
      return { status: 409, body: conflict() };
    return judge(write, await headOf(write.path));
  }
}

/** The object path of a CreateMultipartUpload (POST ?uploads), if the request is one. */
function multipartCreatedOf(request: IncomingMessage): string | undefined {
  if (request.method !== 'POST') return undefined;
  const url = new URL(request.url ?? '/', 'http://fauxqs');
  const path = pathStyle(url.pathname, request.headers.host).replace(/^\//, '');
  return url.searchParams.has('uploads') && /^[^/]+\/./.test(path) ? path : undefined;
}

/** Reads the UploadId out of CreateMultipartUpload's answer (a small XML document sent whole). */
function captureUploadId(response: ServerResponse, found: (uploadId: string) => void): void {
  const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
  response.end = ((...args: unknown[]) => {
    const [body] = args;
    const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : '';
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(text)?.[1];
    if (uploadId) found(uploadId);
    return end(...args);
  }) as ServerResponse['end'];
}

/** The object a request writes (PutObject, CopyObject, CompleteMultipartUpload, DeleteObject), if it writes one. */
function objectWriteOf(request: IncomingMessage): ObjectWrite | undefined {
  const url = new URL(request.url ?? '/', 'http://fauxqs');
  const path = pathStyle(url.pathname, request.headers.host).replace(/^\//, '');
  if (!/^[^/]+\/./.test(path)) return undefined; // a bucket, not an object
  const query = url.searchParams;
  const method = request.method ?? 'GET';
  const writes =
    (method === 'PUT' && !query.has('partNumber') && !query.has('renameObject')) ||
    (method === 'POST' && query.has('uploadId')) ||
    method === 'DELETE';
  if (!writes) return undefined;
  const header = (name: string) => {
    const value = request.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const ifMatch = method === 'DELETE' ? undefined : header('if-match');
  const ifNoneMatch = method === 'DELETE' ? undefined : header('if-none-match');
  const uploadId = method === 'POST' ? (query.get('uploadId') ?? undefined) : undefined;
  return {
    path,
    ...(ifMatch ? { ifMatch } : {}),
    ...(ifNoneMatch ? { ifNoneMatch } : {}),
    ...(uploadId ? { uploadId } : {}),
  };
}

/** Virtual-hosted requests (the bucket in the host name) as fauxqs rewrites them. */
function pathStyle(pathname: string, host: string | undefined): string {
  const hostname = (host ?? '').split(':')[0] ?? '';
  if (!hostname.includes('.') || /^\d+\.\d+\.\d+\.\d+$/.test(hostname)) return pathname;
  return `/${hostname.slice(0, hostname.indexOf('.'))}${pathname}`;
}

const unquoted = (etag: string) => etag.replace(/^W\//, '').replaceAll('"', '');

/** S3's answer when the condition does not hold against the stored ETag; undefined when it holds. */
function judge(write: ObjectWrite, etag: string | undefined): { status: number; body: string } | undefined {
  if (write.ifNoneMatch !== undefined) {
    if (write.ifNoneMatch !== '*') return { status: 501, body: notImplemented('If-None-Match other than *') };
    if (etag !== undefined) return { status: 412, body: preconditionFailed('If-None-Match') };
  }
  if (write.ifMatch !== undefined) {
    if (etag === undefined) return { status: 404, body: noSuchKey(write.path) };
    if (write.ifMatch !== '*' && unquoted(write.ifMatch) !== unquoted(etag))
      return { status: 412, body: preconditionFailed('If-Match') };
  }
  return undefined;
}

const errorXml = (code: string, message: string, extra = '') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}</Error>`;
const preconditionFailed = (condition: string) =>
  errorXml(
    'PreconditionFailed',
    'At least one of the pre-conditions you specified did not hold',
    `<Condition>${condition}</Condition>`,
  );
const conflict = () =>
  errorXml(
    'ConditionalRequestConflict',
    'A conflicting operation occurred. If using multipart upload you should initiate another ' +
      'CreateMultipartUpload request and re-upload each part.',
  );
const noSuchKey = (path: string) =>
  errorXml('NoSuchKey', 'The specified key does not exist.', `<Key>${path.slice(path.indexOf('/') + 1)}</Key>`);
const notImplemented = (what: string) =>
  errorXml('NotImplemented', `A header you provided implies functionality that is not implemented: ${what}`);

function refuse(request: IncomingMessage, response: ServerResponse, status: number, body: string): void {
  request.resume(); // the body is not read: let it drain so the connection stays usable
  response.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

const finished = (response: ServerResponse) =>
  new Promise<void>((resolve) => (response.closed ? resolve() : response.once('close', () => resolve())));

/** Runs tasks one after the other per key. */
class KeyQueue {
  readonly #tails = new Map<string, Promise<void>>();

  run(key: string, task: () => Promise<void>): Promise<void> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const done = previous.then(task).catch(() => undefined);
    this.#tails.set(key, done);
    void done.then(() => {
      if (this.#tails.get(key) === done) this.#tails.delete(key);
    });
    return done;
  }
}

/** Counts the writes of each key, and the count each multipart upload started at. */
class KeyHistory {
  readonly #writes = new Map<string, number>();
  readonly #uploads = new Map<string, { path: string; writes: number }>();

  written(path: string): void {
    this.#writes.set(path, (this.#writes.get(path) ?? 0) + 1);
  }

  uploadCreated(uploadId: string, path: string): void {
    this.#uploads.set(uploadId, { path, writes: this.#writes.get(path) ?? 0 });
  }

  /** The key was written or deleted since the upload was created (an upload not seen counts as unchanged). */
  changedSince(uploadId: string, path: string): boolean {
    const upload = this.#uploads.get(uploadId);
    this.#uploads.delete(uploadId);
    return upload !== undefined && upload.path === path && upload.writes !== (this.#writes.get(path) ?? 0);
  }
}
