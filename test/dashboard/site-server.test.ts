/**
 * The local site server: built files from a folder and data/* straight from the emulated
 * site bucket, with the headers CloudFront would add, and a clear failure on a busy port.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startSiteServer, type SiteServer } from '#infra/local/site-server.ts';
import { CONTENT_SECURITY_POLICY } from '#dashboard/security-headers.ts';
import { startTestEmulators, type TestEmulators } from '#test/support/emulators.ts';

const bucket = 'site-server-test';
let local: TestEmulators;
let server: SiteServer;
let siteDir: string;

beforeAll(async () => {
  local = await startTestEmulators();
  await local.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  siteDir = mkdtempSync(join(tmpdir(), 'site-server-'));
  writeFileSync(join(siteDir, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(siteDir, 'app.js'), 'console.log(1)');
  writeFileSync(join(siteDir, 'styles.css'), 'body{}');
  server = await startSiteServer({ port: 0, s3: local.s3, bucket, siteDir });
});

afterAll(async () => {
  await server?.close();
  await local?.stop();
  rmSync(siteDir, { recursive: true, force: true });
});

const get = (path: string, init?: RequestInit) => fetch(new URL(path, server.url), init);

describe('local site server', () => {
  it('serves index.html at the root and each file with its content type and the security headers', async () => {
    const root = await get('/');
    expect(root.status).toBe(200);
    expect(root.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await root.text()).toContain('<title>t</title>');
    expect(root.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(root.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await get('/app.js')).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await get('/styles.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('answers 404 for a missing file and refuses to leave the site folder', async () => {
    expect((await get('/nothing.js')).status).toBe(404);
    expect((await get('/%2e%2e/%2e%2e/etc/passwd')).status).not.toBe(200);
    expect((await get('/', { method: 'POST' })).status).toBe(405);
  });

  it('reads data/* from the site bucket on every request, uncached', async () => {
    expect((await get('/data/trends.json')).status).toBe(404);
    const put = (body: string) =>
      local.s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'data/trends.json', Body: body, ContentType: 'application/json' }),
      );
    await put('{"formatVersion":1,"rounds":[]}');
    const first = await get('/data/trends.json');
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    expect(first.headers.get('content-type')).toContain('application/json');
    expect(await first.json()).toEqual({ formatVersion: 1, rounds: [] });
    await put('{"formatVersion":1,"rounds":[{"round":0,"scored":2,"retained":1}]}');
    expect(((await (await get('/data/trends.json')).json()) as { rounds: unknown[] }).rounds).toHaveLength(1);
  });

  it('gives a JSON content type to a document stored without one', async () => {
    await local.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'data/card.json', Body: '{}' }));
    expect((await get('/data/card.json')).headers.get('content-type')).toContain('application/json');
  });

  it('fails with a clear message when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startSiteServer({ port, s3: local.s3, bucket, siteDir })).rejects.toThrow(
        new RegExp(`port ${port} is already in use`),
      );
    } finally {
      blocker.close();
    }
  });
});

describe('local site server sign-in', () => {
  const atRisk = { formatVersion: 1, round: 0, users: [{ userId: 'u-1', probability: 0.9, reasons: [] }] };
  beforeAll(async () => {
    for (const [key, body] of [
      ['data/at-risk.json', atRisk],
      ['data/trees.json', { formatVersion: 1, trees: [] }],
    ] as const)
      await local.s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(body), ContentType: 'application/json' }),
      );
  });
  const noRedirect = (path: string, cookie?: string) =>
    get(path, { redirect: 'manual', headers: cookie ? { cookie } : {} });

  it('answers 401 and no data for a document naming users without a session, 200 for the public ones', async () => {
    const refused = await get('/data/at-risk.json');
    expect(refused.status).toBe(401);
    const body = await refused.text();
    expect(body).not.toContain('u-1');
    expect(body).toContain('?token=');
    expect(refused.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    // Other spellings of the same key are the same key, and refused the same way.
    expect((await get('/data/at-risk%2Ejson')).status).toBe(401);
    expect((await get('/data/../data/at-risk.json')).status).toBe(401);
    expect((await get('/data/trees.json')).status).toBe(200);
    expect((await get('/')).status).toBe(200);
    expect((await get('/data/at-risk.json', { headers: { cookie: 'retention_session=guessed' } })).status).toBe(401);
  });

  it('trades the printed address for an HttpOnly, SameSite=Strict session and the clean address, once', async () => {
    const address = new URL(server.signInUrl);
    expect(address.searchParams.get('token')).toMatch(/^[\w-]{43}$/); // 32 random bytes
    const signIn = await noRedirect(`${address.pathname}${address.search}`);
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get('location')).toBe('/');
    expect(signIn.headers.get('x-frame-options')).toBe('DENY');
    const setCookie = signIn.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^retention_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const cookie = setCookie.split(';')[0] ?? '';
    const document = await get('/data/at-risk.json', { headers: { cookie } });
    expect(document.status).toBe(200);
    expect(document.headers.get('cache-control')).toBe('private, no-store');
    expect(await document.json()).toEqual(atRisk);
    // Spent: the same address signs nobody else in.
    const again = await noRedirect(`${address.pathname}${address.search}`);
    expect(again.status).toBe(401);
    expect(again.headers.get('set-cookie')).toBeNull();
    // A signed-in browser opening an old address is just sent to the clean one, on this site.
    expect((await noRedirect(`/?token=spent`, cookie)).status).toBe(303);
    const elsewhere = await noRedirect(`/a/..//evil.example/?token=spent`, cookie);
    expect(elsewhere.headers.get('location')).toMatch(/^\/(?!\/)/);
  });

  it('refuses tokens it did not mint, whatever their length', async () => {
    for (const token of ['', 'x', 'a'.repeat(43), 'a'.repeat(500)]) {
      const response = await noRedirect(`/?token=${token}`);
      expect(response.status, token).toBe(401);
      expect(response.headers.get('set-cookie')).toBeNull();
    }
    const fresh = new URL(server.newSignInUrl());
    expect((await get(`/${fresh.search}`, { method: 'HEAD', redirect: 'manual' })).status).toBe(405);
    expect((await noRedirect(`/${fresh.search}`)).status).toBe(303); // the HEAD did not spend it
  });

  it('answers the sign-in link of the page with where the address is', async () => {
    const hint = await get('/auth/sign-in');
    expect(hint.status).toBe(401);
    expect(await hint.text()).toContain('npm start printed');
  });
});

describe('local site server stopping', () => {
  it('closes with a large document half-read and S3 stopping after it, leaving no S3 read open to fail', async () => {
    const own = await startTestEmulators();
    await own.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const big = JSON.stringify({ trees: 'x'.repeat(4 * 2 ** 20) }); // far beyond the sockets' buffers
    await own.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'data/trees.json', Body: big }));
    const server = await startSiteServer({ port: 0, s3: own.s3, bucket, siteDir });
    const unheard: unknown[] = [];
    const hear = (error: unknown) => unheard.push(error);
    process.on('uncaughtException', hear);
    try {
      const response = await fetch(new URL('data/trees.json', server.url));
      expect(response.status).toBe(200); // the body is never read: the server is stuck mid-stream
      await server.close();
      await own.stop();
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      process.off('uncaughtException', hear);
    }
    expect(unheard.map(String)).toEqual([]);
  });
});
