/**
 * Site documents made by the training flow's own forest engine (forestEngine) on a small
 * generated dataset: trees.json as
 * Publish writes it, and a card whose metrics and importances come from scoring a held-out
 * set. The tests then check the dashboard against what training actually produces.
 */
import { FEATURES, featureCategories, featureIndex } from '#core/schema.ts';
import { forestEngine } from '#core/training/forest-engine.ts';
import type { LabelledSet } from '#core/training/labels.ts';
import { parseTrees, type CardDocument, type TreesDocument } from '#dashboard/src/documents.ts';
import { makeCardDocument, random } from './fixture-documents.ts';
import { defined } from '#test/support/defined.ts';

function generatedSet(rows: number, seed: number): LabelledSet {
  const rand = random(seed);
  const columns = FEATURES.map((spec) => {
    const column = new Float32Array(rows);
    const categories = spec.kind === 'categorical' ? featureCategories(spec).length : 0;
    for (let r = 0; r < rows; r++) {
      column[r] =
        spec.name === 'age'
          ? 20 + Math.floor(rand() * 51)
          : spec.name === 'gender'
            ? rand() < 0.5
              ? 0
              : 1
            : categories > 0
              ? Math.floor(rand() * categories)
              : Math.floor(rand() ** 2 * 8);
    }
    return column;
  });
  const pc = defined(columns[featureIndex('pc')], 'the pc column');
  const age = defined(columns[featureIndex('age')], 'the age column');
  // Retention depends on desktop use and age, plus noise: something for the trees to find.
  const labels = Uint8Array.from(pc.subarray(0, rows), (desktop, r) =>
    desktop * 0.12 + (defined(age[r], `age of row ${r}`) < 40 ? 0.25 : 0) + rand() * 0.6 > 0.55 ? 1 : 0,
  );
  return { rows, userIds: Float64Array.from({ length: rows }, (_, i) => i + 1), columns, labels };
}

export async function engineDocuments(options: { trees?: number; maxDepth?: number; seed?: number } = {}): Promise<{
  trees: TreesDocument;
  card: CardDocument;
}> {
  const seed = options.seed ?? 3;
  const train = generatedSet(700, seed);
  const test = generatedSet(300, seed + 1);
  const params = { numTrees: options.trees ?? 6, maxDepth: options.maxDepth ?? 6, seed };
  const model = await forestEngine.train(train, params, { threads: 1 });
  const modelVersion = 'v-engine-fixture';
  const trees = parseTrees(JSON.parse(forestEngine.treesDocument(model.modelJson, modelVersion)));
  const metrics = forestEngine.metrics(test.labels, forestEngine.score(model.modelJson, test));
  const card: CardDocument = {
    ...makeCardDocument({ modelVersion }),
    params,
    metrics,
    featureImportance: forestEngine.featureImportance(model.modelJson),
    candidates: [{ id: 'c0', params, auc: metrics.auc, errorRate: metrics.errorRate, nodes: model.nodes }],
  };
  return { trees, card };
}
