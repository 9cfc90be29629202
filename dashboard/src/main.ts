/**
 * Entry point: wires the tabs and the three views, then reads the documents from data/
 * and keeps reading them every few seconds (trends change each round; a newly published
 * model replaces the forest and the card). `?refresh=<ms>` changes the interval.
 */
import { parseCard, parseOutcomes, parseTrees, parseTrends, type TreesDocument } from './documents.ts';
import { loadDocument, type Loaded } from './data.ts';
import { setUpTabs } from './tabs.ts';
import { createForestView } from './forest-view.ts';
import { createCardView } from './card-view.ts';
import { createTrendsView } from './trends-view.ts';
import { createOutcomesView } from './outcomes-view.ts';

const DEFAULT_REFRESH_MS = 5000;

const refreshMs = Math.max(200, Number(new URLSearchParams(location.search).get('refresh')) || DEFAULT_REFRESH_MS);
const panel = (name: string): HTMLElement => document.getElementById(`view-${name}`) as HTMLElement;
const forest = createForestView(panel('forest'));
const card = createCardView(panel('card'));
const trends = createTrendsView(panel('trends'));
const outcomes = createOutcomesView(panel('outcomes'));

setUpTabs(() => {});

let trees: Loaded<TreesDocument> | undefined;
let rounds = 0;

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
  await Promise.all([cardRead, trendsRead, outcomesRead, treesRead]);
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
