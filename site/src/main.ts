/**
 * Entry point: wires the tabs and the three views, then reads the documents from data/
 * and keeps reading them every few seconds (trends change each round; a newly published
 * model replaces the forest and the card). `?refresh=<ms>` changes the interval.
 */
import { parseCard, parseTrees, parseTrends, type TreesDocument } from './documents.ts';
import { loadDocument, type Loaded } from './data.ts';
import { setUpTabs } from './tabs.ts';
import { createForestView } from './forest-view.ts';
import { createCardView } from './card-view.ts';
import { createTrendsView } from './trends-view.ts';

const DEFAULT_REFRESH_MS = 5000;

const refreshMs = Math.max(200, Number(new URLSearchParams(location.search).get('refresh')) || DEFAULT_REFRESH_MS);
const panel = (name: string): HTMLElement => document.getElementById(`view-${name}`) as HTMLElement;
const forest = createForestView(panel('forest'));
const card = createCardView(panel('card'));
const trends = createTrendsView(panel('trends'));

setUpTabs(() => {});

let trees: Loaded<TreesDocument> | undefined;
let rounds = 0;

async function refresh(): Promise<void> {
  const [cardLoaded, trendsLoaded] = await Promise.all([
    loadDocument('card.json', parseCard),
    loadDocument('trends.json', parseTrends),
  ]);
  // trees.json is the big one: read it again only when absent or when the card names another model.
  const stale =
    trees?.state !== 'ok' || (cardLoaded.state === 'ok' && cardLoaded.doc.modelVersion !== trees.doc.modelVersion);
  if (stale) trees = await loadDocument('trees.json', parseTrees);
  forest.update(trees!);
  card.update(cardLoaded);
  trends.update(trendsLoaded);
  document.body.dataset.refreshes = String(++rounds);
}

async function loop(): Promise<void> {
  try {
    await refresh();
  } catch (error) {
    console.error('dashboard refresh failed', error);
  }
  setTimeout(loop, refreshMs);
}

void loop();
