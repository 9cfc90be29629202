/**
 * Entry point: wires the tabs and the views, then reads the documents from data/
 * and keeps reading them every few seconds (trends change each round; a newly published
 * model replaces the forest and the card). `?refresh=<ms>` changes the interval. The
 * at-risk list (up to thousands of users) is read only while its view is shown.
 */
import { parseAtRisk, parseCard, parseOutcomes, parseTrees, parseTrends, type TreesDocument } from './documents.ts';
import { loadDocument, loadProtectedDocument, type Loaded } from './data.ts';
import { setUpTabs, type ViewName } from './tabs.ts';
import { createForestView } from './forest-view.ts';
import { createCardView } from './card-view.ts';
import { createTrendsView } from './trends-view.ts';
import { createAtRiskView } from './at-risk-view.ts';
import { createOutcomesView } from './outcomes-view.ts';

const DEFAULT_REFRESH_MS = 5000;

const refreshMs = Math.max(200, Number(new URLSearchParams(location.search).get('refresh')) || DEFAULT_REFRESH_MS);
const panel = (name: string): HTMLElement => document.getElementById(`view-${name}`) as HTMLElement;
const forest = createForestView(panel('forest'));
const card = createCardView(panel('card'));
const trends = createTrendsView(panel('trends'));
const atRisk = createAtRiskView(panel('at-risk'));
const outcomes = createOutcomesView(panel('outcomes'));

let trees: Loaded<TreesDocument> | undefined;
let rounds = 0;
let view: ViewName | undefined;

async function readAtRisk(): Promise<void> {
  atRisk.update(await loadProtectedDocument('at-risk.json', parseAtRisk));
}

setUpTabs((shown) => {
  view = shown;
  // Before the first refresh, that refresh reads it.
  if (shown === 'at-risk' && rounds > 0)
    void readAtRisk().catch((error: unknown) => console.error('at-risk read failed', error));
});

/** Reads the documents at once; each view redraws as soon as its own document arrives. */
async function refresh(): Promise<void> {
  const cardRead = loadDocument('card.json', parseCard).then((loaded) => {
    card.update(loaded);
    return loaded;
  });
  const trendsRead = loadDocument('trends.json', parseTrends).then((loaded) => trends.update(loaded));
  const outcomesRead = loadDocument('outcomes.json', parseOutcomes).then((loaded) => outcomes.update(loaded));
  // trees.json is the big one: read it again only when absent or when the card names another model.
  const current = trees;
  const treesRead = (
    current?.state === 'ok'
      ? cardRead.then((c) =>
          c.state === 'ok' && c.doc.modelVersion !== current.doc.modelVersion
            ? loadDocument('trees.json', parseTrees)
            : current,
        )
      : loadDocument('trees.json', parseTrees)
  ).then((loaded) => {
    trees = loaded;
    forest.update(loaded);
  });
  const atRiskRead = view === 'at-risk' ? readAtRisk() : undefined;
  await Promise.all([cardRead, trendsRead, outcomesRead, treesRead, atRiskRead]);
  document.body.dataset.refreshes = String(++rounds);
}

async function loop(): Promise<void> {
  try {
    // A background tab need not poll; it catches up as soon as it is shown again.
    if (!document.hidden || rounds === 0) await refresh();
  } catch (error) {
    console.error('dashboard refresh failed', error);
  }
  setTimeout(loop, refreshMs);
}

document.addEventListener('visibilitychange', () => {
  if (!document.hidden) void refresh().catch((error: unknown) => console.error('dashboard refresh failed', error));
});
void loop();
