/**
 * Saves the README's screenshots (docs/screenshot.png, docs/screenshot-at-risk.png): the
 * dashboard served for real on the pipeline's published documents, in headless Chromium.
 * `npm run screenshot`; the tests never write them, so re-run this when the dashboard or the
 * documents change.
 */
import { readFileSync } from 'node:fs';
import { startDashboard } from './dashboard-harness.ts';
import { pipelineDocuments, showReadmeView } from './readme-view.ts';

const OUT = 'docs/screenshot.png';
const AT_RISK_OUT = 'docs/screenshot-at-risk.png';
const atRisk = readFileSync(new URL('./fixtures/pipeline/at-risk.json', import.meta.url), 'utf8');

const dashboard = await startDashboard({ ...pipelineDocuments(), 'at-risk.json': atRisk });
try {
  const page = await dashboard.open('#forest');
  await showReadmeView(page);
  await page.screenshot({ path: OUT });
  // The list names users: only a browser signed in with the one-time address gets it.
  const signedIn = await dashboard.browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signedIn.goto(`${dashboard.server.newSignInUrl()}#at-risk`);
  await signedIn.waitForSelector('tr[data-user-id]');
  await signedIn.screenshot({ path: AT_RISK_OUT });
  await signedIn.close();
  if (dashboard.pageErrors.length > 0) throw new Error(`the page reported errors: ${dashboard.pageErrors.join('; ')}`);
  console.error(`Saved ${OUT} and ${AT_RISK_OUT}`);
} finally {
  await dashboard.stop();
}
