/**
 * Saves the README's screenshot (docs/screenshot.png): the dashboard served for real on the
 * pipeline's published documents, in headless Chromium. `npm run screenshot`; the tests never
 * write it, so re-run this when the dashboard or the documents change.
 */
import { startDashboard } from './dashboard-harness.ts';
import { pipelineDocuments, showReadmeView } from './readme-view.ts';

const OUT = 'docs/screenshot.png';

const dashboard = await startDashboard(pipelineDocuments());
try {
  const page = await dashboard.open('#forest');
  await showReadmeView(page);
  await page.screenshot({ path: OUT });
  if (dashboard.pageErrors.length > 0) throw new Error(`the page reported errors: ${dashboard.pageErrors.join('; ')}`);
  console.error(`Saved ${OUT}`);
} finally {
  await dashboard.stop();
}
