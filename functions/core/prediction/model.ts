/**
 * A published model made ready to score records: its version, the features it expects
 * (for record validation) and a batch scorer. Scoring goes through the training flow's
 * ForestEngine binding (training/forest-engine.ts), so prediction scores with whichever
 * engine trained the model; only the schema reading below knows model.json's shape.
 */
import { DEFAULT_CATEGORIES, FEATURES, featureCategories, type FeatureKind } from '#core/schema.ts';
import { forestEngine } from '#core/training/forest-engine.ts';
import type { ForestEngine } from '#core/forest/engine.ts';
import type { Contributions } from '#core/forest/contributions.ts';
import type { ModelFeature } from './record.ts';

export interface PredictionModel {
  readonly version: string;
  readonly features: readonly ModelFeature[];
  /** Probability of "retained" for each row (one Float32Array of features per record). */
  score(rows: readonly Float32Array[]): Float64Array;
  /** The same probabilities with each feature's contribution to them, row-major (`features.length` per row). */
  explain(rows: readonly Float32Array[]): Omit<Contributions, 'baseRate'>;
}

interface SchemaLike {
  features?: unknown;
  schema?: { features?: unknown };
}

/** The features a model.json declares: a full schema when it has one, else names from schema.ts. */
export function modelFeatures(model: SchemaLike): ModelFeature[] {
  const declared = Array.isArray(model.schema?.features) ? model.schema.features : model.features;
  if (!Array.isArray(declared) || declared.length === 0) return FEATURES.map(defaultFeature);
  return declared.map((entry: unknown) => {
    if (typeof entry === 'string') {
      const spec = FEATURES.find((f) => f.name === entry);
      if (!spec) throw new Error(`model.json names feature "${entry}" that this version does not know`);
      return defaultFeature(spec);
    }
    const e = entry as { name?: unknown; kind?: unknown; values?: unknown; categories?: unknown };
    if (typeof e.name !== 'string' || (e.kind !== 'categorical' && e.kind !== 'continuous')) {
      throw new Error('model.json schema: each feature needs a name and a kind');
    }
    const values = Array.isArray(e.values) ? e.values : Array.isArray(e.categories) ? e.categories : undefined;
    if (e.kind === 'categorical' && !values) {
      const spec = FEATURES.find((f) => f.name === e.name);
      if (!spec) throw new Error(`model.json schema: categorical feature "${e.name}" has no values`);
      return defaultFeature(spec);
    }
    return { name: e.name, kind: e.kind as FeatureKind, ...(values ? { values: values.map(String) } : {}) };
  });
}

function defaultFeature(spec: (typeof FEATURES)[number]): ModelFeature {
  return spec.kind === 'categorical'
    ? { name: spec.name, kind: spec.kind, values: featureCategories(spec, DEFAULT_CATEGORIES) }
    : { name: spec.name, kind: spec.kind };
}

/** Reads model.json once; `engine` is the scorer binding (the training flow's by default). */
export function prepareModel(modelJson: string, version: string, engine: ForestEngine = forestEngine): PredictionModel {
  const parsed = JSON.parse(modelJson) as SchemaLike;
  const features = modelFeatures(parsed);
  // The engine scores a column table; prove the model loads now, not at the first record.
  engine.nodes(modelJson);
  return {
    version,
    features,
    score(rows) {
      if (rows.length === 0) return new Float64Array(0);
      return engine.score(modelJson, { rows: rows.length, columns: columnsOf(rows, features.length) });
    },
    explain(rows) {
      if (rows.length === 0) return { probabilities: new Float64Array(0), contributions: new Float64Array(0) };
      return engine.explain(modelJson, { rows: rows.length, columns: columnsOf(rows, features.length) });
    },
  };
}

/** Rows as feature columns. A row has one value per feature (validateRecord); a missing one would be NaN, as a typed array stores it. */
function columnsOf(rows: readonly Float32Array[], features: number): Float32Array[] {
  const columns = Array.from({ length: features }, () => new Float32Array(rows.length));
  // One pass over the rows, each row read once while it is in cache (not once per feature).
  rows.forEach((row, r) => {
    for (let f = 0; f < features; f++) columns[f]![r] = row[f] ?? NaN;
  });
  return columns;
}
