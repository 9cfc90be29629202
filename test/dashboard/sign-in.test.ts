/**
 * Signing in to the local dashboard, in real Chromium against the local site server: a
 * browser without the printed address gets no at-risk data and sees the sign-in hint; the
 * printed address (one-time token) signs one browser in and is spent; plain HTTP without
 * the session cookie gets 401 for data/at-risk.json and 200 for data/trees.json.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSync } from 'esbuild';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Browser, BrowserContext } from 'playwright-core';
import { buildSite } from '#dashboard/build.ts';
import { startSiteServer, type SiteServer } from '#infra/local/site-server.ts';
import { startTestEmulators, type TestEmulators } from '#test/support/emulators.ts';
import { launchBrowser } from './browser.ts';

const bucket = 'retention-site';
const atRisk = { formatVersion: 1, round: 3, users: [{ userId: 'user-at-risk-17', probability: 0.91 }] };
let local: TestEmulators;
let server: SiteServer;
let browser: Browser;
let siteDir: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  local = await startTestEmulators();
  await local.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const [name, body] of [
    ['at-risk.json', atRisk],
    ['trees.json', { formatVersion: 1, modelVersion: 'v1', trees: [] }],
  ] as const)
    await local.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `data/${name}`,
        Body: JSON.stringify(body),
        ContentType: 'application/json',
      }),
    );
  siteDir = mkdtempSync(join(tmpdir(), 'retention-sign-in-'));
  buildSite({ outDir: siteDir });
  // The probe page, bundled next to the real site, so it runs under the same server and headers.
  buildSync({
    entryPoints: [fileURLToPath(new URL('./fixtures/sign-in-probe.ts', import.meta.url))],
    outfile: join(siteDir, 'probe.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    logLevel: 'error',
  });
  writeFileSync(
    join(siteDir, 'probe.html'),
    '<!doctype html><title>probe</title><script type="module" src="probe.js"></script>',
  );
  server = await startSiteServer({ port: 0, s3: local.s3, bucket, siteDir });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await server?.close();
  await local?.stop();
  if (siteDir) rmSync(siteDir, { recursive: true, force: true });
});

/** A fresh browser profile: no cookies from any other test. */
async function freshBrowser(): Promise<BrowserContext> {
  const context = await browser.newContext();
  contexts.push(context);
  return context;
}

/** What the probe page shows, and the state the dashboard's helper returned. */
async function probe(context: BrowserContext): Promise<{ state: string | undefined; text: string; link?: string }> {
  const page = await context.newPage();
  await page.goto(new URL('probe.html', server.url).href);
  await page.waitForSelector('body[data-probe]');
  const state = await page.evaluate(() => document.body.dataset.probe);
  const text = await page.locator('main').innerText();
  const link =
    (await page.locator('main a').count()) > 0 ? await page.locator('main a').getAttribute('href') : undefined;
  await page.close();
  return { state, text, ...(link ? { link } : {}) };
}

describe('signing in to the local dashboard', () => {
  it('gives a browser without the printed address no at-risk data, and shows it the sign-in hint', async () => {
    const context = await freshBrowser();
    const shown = await probe(context);
    expect(shown.state).toBe('sign-in');
    expect(shown.text).toContain('Sign in to see users at risk');
    expect(shown.text).not.toContain('user-at-risk-17');
    expect(shown.link).toBe('auth/sign-in');
    const page = await context.newPage();
    const response = await page.goto(new URL('data/at-risk.json', server.url).href);
    expect(response?.status()).toBe(401);
    expect(await page.content()).not.toContain('user-at-risk-17');
    // The hint's link explains where the address is instead of pretending to sign in.
    const hint = await page.goto(new URL('auth/sign-in', server.url).href);
    expect(hint?.status()).toBe(401);
    expect(await page.locator('body').innerText()).toContain('npm start printed');
  });

  it('signs in with the printed address, lands on the clean address, and the at-risk document loads', async () => {
    const context = await freshBrowser();
    const page = await context.newPage();
    await page.goto(server.signInUrl);
    expect(page.url()).toBe(server.url); // the token is gone from the address bar (and its history)
    await page.waitForSelector('body[data-refreshes]'); // the dashboard itself runs
    const [session] = await context.cookies();
    expect(session).toMatchObject({ name: 'retention_session', httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(await page.evaluate(() => document.cookie)).toBe(''); // scripts cannot read it
    const shown = await probe(context);
    expect(shown.state).toBe('ok');
    expect(JSON.parse(shown.text)).toEqual(atRisk);
  });

  it('does not let the same address sign in a second browser', async () => {
    const context = await freshBrowser();
    const page = await context.newPage();
    const response = await page.goto(server.signInUrl);
    expect(response?.status()).toBe(401);
    expect(await page.locator('body').innerText()).toContain('already used');
    expect(await context.cookies()).toEqual([]);
    expect((await probe(context)).state).toBe('sign-in');
  });

  it('answers plain HTTP without the cookie 401 for data/at-risk.json and 200 for data/trees.json', async () => {
    const refused = await fetch(new URL('data/at-risk.json', server.url));
    expect(refused.status).toBe(401);
    expect(await refused.text()).not.toContain('user-at-risk-17');
    const trees = await fetch(new URL('data/trees.json', server.url));
    expect(trees.status).toBe(200);
    expect(((await trees.json()) as { modelVersion: string }).modelVersion).toBe('v1');
  });
});
