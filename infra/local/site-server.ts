/**
 * Serves the dashboard locally the way CloudFront does in AWS: the built files from a
 * folder, and `data/*` read from the (emulated) site bucket on every request, so a
 * document the pipeline writes shows up on the next refresh. Same security headers as the
 * CloudFront policy; data is never cached. Documents that name users (protected-documents.ts)
 * answer 401 without a session, which the one-time address `signInUrl` opens (site-sign-in.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SECURITY_HEADERS } from '#dashboard/security-headers.ts';
import { buildSite } from '#dashboard/build.ts';
import { isProtectedPath, SIGN_IN_PATH } from '#dashboard/protected-documents.ts';
import { LocalSignIn, sessionCookie } from './site-sign-in.ts';

export const DEFAULT_SITE_PORT = 7777;

export interface SiteServerOptions {
  /** 0 picks a free port (tests); default 7777. */
  port?: number;
  /** Interface to listen on; default loopback only. */
  host?: string;
  s3: S3Client;
  /** The site bucket; its `data/` prefix is served under /data/. */
  bucket: string;
  /** The built site (dashboard/build.ts output); built into dashboard/dist/ when absent. */
  siteDir?: string;
}

export interface SiteServer {
  readonly url: string;
  /** `url` with a one-time sign-in token: what `npm start` prints. */
  readonly signInUrl: string;
  readonly port: number;
  /** Another one-time sign-in address (the first one is spent once opened). */
  newSignInUrl(): string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

function contentTypeFor(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

async function serveData(res: ServerResponse, options: SiteServerOptions, key: string): Promise<void> {
  try {
    const object = await options.s3.send(new GetObjectCommand({ Bucket: options.bucket, Key: key }));
    const stored = object.ContentType;
    const type =
      stored && stored !== 'application/octet-stream' && stored !== 'binary/octet-stream'
        ? stored
        : contentTypeFor(key);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': type,
      // A document naming users must not be kept by the browser beyond the page that read it.
      'cache-control': isProtectedPath(key) ? 'private, no-store' : 'no-cache',
      ...(object.ContentLength !== undefined ? { 'content-length': String(object.ContentLength) } : {}),
    });
    const body = object.Body as Readable;
    if (res.req.method === 'HEAD') {
      res.end();
      body.destroy();
      return;
    }
    // pipeline, not pipe: a reader that goes away, a server that closes or an S3 stream that
    // breaks ends both sides, so no S3 read is left open (to fail, unheard, when S3 stops).
    await pipeline(body, res).catch(() => undefined);
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'NoSuchKey' || name === 'NotFound')
      send(res, 404, `not found: ${key}\n`, { 'cache-control': 'no-cache' });
    else if (name === 'NoSuchBucket') send(res, 404, `the site bucket ${options.bucket} does not exist\n`);
    else send(res, 502, `could not read ${key} from the site bucket: ${(error as Error).message}\n`);
  }
}

async function serveFile(res: ServerResponse, siteDir: string, path: string): Promise<void> {
  const relative = normalize(path === '/' ? 'index.html' : path.slice(1));
  if (relative.startsWith('..') || relative.includes(`${sep}..`)) return send(res, 400, 'bad path\n');
  try {
    const body = await readFile(join(siteDir, relative));
    send(res, 200, body, { 'content-type': contentTypeFor(relative), 'cache-control': 'no-cache' });
  } catch {
    send(res, 404, `not found: ${path}\n`);
  }
}

const SIGN_IN_ADVICE = 'open the dashboard address npm start printed (…/?token=…); npm start prints a new one each run';

/** Trades a one-time token for a session cookie and redirects to the address without it. */
function signIn(req: IncomingMessage, res: ServerResponse, url: URL, signIns: LocalSignIn): void {
  const token = url.searchParams.get('token') ?? '';
  url.searchParams.delete('token');
  // One leading slash: '//host' in Location would send the browser to another site.
  const clean = `/${url.pathname.replace(/^\/+/, '')}${url.search}`;
  const noStore = { 'cache-control': 'no-store' };
  if (signIns.isSignedIn(req.headers.cookie)) return send(res, 303, '', { ...noStore, location: clean });
  const session = signIns.redeem(token);
  if (session === undefined)
    return send(res, 401, `this sign-in address was already used or is not valid: ${SIGN_IN_ADVICE}\n`, noStore);
  send(res, 303, '', { ...noStore, location: clean, 'set-cookie': sessionCookie(session) });
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: SiteServerOptions & { siteDir: string; signIns: LocalSignIn },
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return send(res, 405, 'only GET and HEAD\n', { allow: 'GET, HEAD' });
  let url: URL;
  let path: string;
  try {
    url = new URL(req.url ?? '/', 'http://site');
    path = decodeURIComponent(url.pathname);
  } catch {
    return send(res, 400, 'bad path\n');
  }
  // Only a GET spends a token: a HEAD (a link checker, a preview) must not use it up.
  if (url.searchParams.has('token'))
    return req.method === 'GET' ? signIn(req, res, url, options.signIns) : send(res, 405, 'sign in with GET\n');
  if (path === `/${SIGN_IN_PATH}`) return send(res, 401, `to sign in, ${SIGN_IN_ADVICE}\n`);
  if (isProtectedPath(path) && !options.signIns.isSignedIn(req.headers.cookie))
    return send(res, 401, `sign in to read ${path.slice(1)}: ${SIGN_IN_ADVICE}\n`, { 'cache-control': 'no-store' });
  if (path.startsWith('/data/')) return serveData(res, options, path.slice(1));
  return serveFile(res, options.siteDir, path);
}

export async function startSiteServer(options: SiteServerOptions): Promise<SiteServer> {
  const port = options.port ?? DEFAULT_SITE_PORT;
  const host = options.host ?? '127.0.0.1';
  const signIns = new LocalSignIn();
  const site = { ...options, siteDir: options.siteDir ?? buildSite().outDir, signIns };
  // Requests being answered: close() waits for them to end (their sockets are closed first).
  const answering = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const answer = handle(req, res, site)
      .catch((error: Error) => {
        if (!res.headersSent) send(res, 500, `${error.message}\n`);
        else res.destroy(error);
      })
      .finally(() => answering.delete(answer));
    answering.add(answer);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `port ${port} is already in use, so the dashboard cannot be served there: ` +
                `stop the program using it (perhaps another npm start) or choose another port`,
            )
          : error,
      );
    });
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  const url = `http://localhost:${actual}/`;
  const newSignInUrl = () => `${url}?token=${signIns.newToken()}`;
  return {
    url,
    signInUrl: newSignInUrl(),
    newSignInUrl,
    port: actual,
    async close() {
      const closed = new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
      server.closeAllConnections();
      await Promise.all([...answering]);
      await closed;
    },
  };
}
