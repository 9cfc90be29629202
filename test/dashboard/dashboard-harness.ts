/**
 * A dashboard served for real: emulated S3 with a site bucket holding the given documents
 * under data/, the site built into a temporary folder, the local site server, and a
 * headless browser page that records console errors (a CSP violation shows up there).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Browser, Page } from 'playwright-core';
import { buildSite } from '#dashboard/build.ts';
import { startSiteServer, type SiteServer } from '#infra/local/site-server.ts';
import { startTestEmulators, type TestEmulators } from '#test/support/emulators.ts';
import { launchBrowser } from './browser.ts';

export type DocumentName = 'trees.json' | 'card.json' | 'trends.json' | 'at-risk.json' | 'outcomes.json';

export interface Dashboard {
  readonly local: TestEmulators;
  readonly server: SiteServer;
  readonly browser: Browser;
  readonly bucket: string;
  /** Problems the page reported: console errors and uncaught exceptions. */
  readonly pageErrors: string[];
  putDocument(name: DocumentName, body: unknown): Promise<void>;
  deleteDocument(name: DocumentName): Promise<void>;
  /** A new page at `fragment` (e.g. '#card'), after the first read of the documents. */
  open(fragment?: string, query?: string): Promise<Page>;
  stop(): Promise<void>;
}

export async function startDashboard(documents: Partial<Record<DocumentName, unknown>> = {}): Promise<Dashboard> {
  const local = await startTestEmulators();
  const bucket = 'retention-site';
  await local.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const siteDir = mkdtempSync(join(tmpdir(), 'retention-site-'));
  buildSite({ outDir: siteDir });
  const server = await startSiteServer({ port: 0, s3: local.s3, bucket, siteDir });
  const browser = await launchBrowser();
  const pageErrors: string[] = [];

  async function putDocument(name: DocumentName, body: unknown): Promise<void> {
    await local.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `data/${name}`,
        Body: typeof body === 'string' ? body : JSON.stringify(body),
        ContentType: 'application/json',
      }),
    );
  }
  for (const [name, body] of Object.entries(documents)) await putDocument(name as DocumentName, body);

  return {
    local,
    server,
    browser,
    bucket,
    pageErrors,
    putDocument,
    async deleteDocument(name) {
      await local.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: `data/${name}` }));
    },
    async open(fragment = '', query = '') {
      const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
      page.on('console', (message) => {
        // A missing document is a 404 by design (the empty state), and the at-risk list a 401 to a
        // page that has not signed in (the sign-in state); Chromium logs those as errors.
        if (message.type() === 'error' && !/\b(404|401)\b/.test(message.text())) pageErrors.push(message.text());
      });
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(`${server.url}${query}${fragment}`);
      await page.waitForSelector('body[data-refreshes]');
      return page;
    },
    async stop() {
      await browser.close();
      await server.close();
      await local.stop();
      rmSync(siteDir, { recursive: true, force: true });
    },
  };
}
