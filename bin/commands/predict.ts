/**
 * `retention predict --model DIR --features FILE --out FILE [--reasons]`: scores every user
 * of a features.tsv with a trained model and writes `user_id  probability  retained` (TSV),
 * with --reasons also each user's 3 largest contributions (`pc=5 +0.0812; age=34 -0.0200`).
 */
import { existsSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT_OK, UsageError, required, type Command } from '#bin/cli-kit.ts';
import { readFeaturesFile } from './train.ts';
import { parseFeaturesTsv } from '#core/training/features-table.ts';
import { loadModel, scoreColumns } from '#core/forest/index.ts';
import { contributionColumns, topReasons, type Contributions } from '#core/forest/contributions.ts';
import type { ForestModel } from '#core/forest/model.ts';
import type { FeatureTable } from '#core/training/features-table.ts';
import { withCategoryOverrides, type CategoryListName } from '#core/schema.ts';

export const command: Command = {
  summary: 'score a features.tsv with a trained model; write user_id, probability, retained (and reasons)',
  usage: `usage: retention predict --model DIR --features FILE --out FILE [--reasons]

  --model DIR       a directory with model.json (as retention train writes), or the file
  --features FILE   features.tsv[.gz] of an extracted week, or its directory
  --out FILE        TSV with a header: user_id  probability  retained (1 when probability ≥ 0.5)
  --reasons         adds a column "reasons": the 3 features that moved the user's probability
                    most, largest first, as feature=value and the signed change, e.g.
                    pc=5 +0.0812; age=34 -0.0200; industry=BANK +0.0150 (the changes and the
                    model's base rate add up to the probability; docs/formats.md, "Reasons")
`,
  options: {
    model: { type: 'string' },
    features: { type: 'string' },
    out: { type: 'string' },
    reasons: { type: 'boolean' },
  },
  async run(args) {
    const modelArg = required(args, 'model');
    const featuresArg = required(args, 'features');
    const out = required(args, 'out');
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
    const modelPath =
      existsSync(modelArg) && statSync(modelArg).isDirectory() ? join(modelArg, 'model.json') : modelArg;
    if (!existsSync(modelPath)) throw new Error(`${modelPath}: no such model file`);
    const model = loadModel(await readFile(modelPath, 'utf8'));
    // The features are read with the model's own category lists: indices mean what they meant in training.
    const lists: Partial<Record<CategoryListName, readonly string[]>> = {};
    for (const f of model.schema.features)
      if (f.kind === 'categorical' && f.name !== 'gender') lists[f.name as CategoryListName] = f.values ?? [];
    const features = await readFeaturesFile(featuresArg);
    const table = parseFeaturesTsv(features.text, features.path, withCategoryOverrides(lists));
    const explained = args.values.reasons === true ? contributionColumns(model, table.columns, table.rows) : undefined;
    const scores = explained?.probabilities ?? scoreColumns(model, table.columns, table.rows);
    const lines = [`user_id\tprobability\tretained${explained ? '\treasons' : ''}`];
    let retained = 0;
    // One score per row of the table (scoreColumns sizes its output by `rows`).
    scores.forEach((p, r) => {
      retained += p >= 0.5 ? 1 : 0;
      const reasons = explained ? `\t${reasonsText(model, table, explained, r)}` : '';
      lines.push(`${table.userIds[r]}\t${p.toFixed(6)}\t${p >= 0.5 ? 1 : 0}${reasons}`);
    });
    await writeFile(out, lines.join('\n') + '\n');
    console.log(`scored ${table.rows} users: ${retained} predicted retained; wrote ${out}`);
    return EXIT_OK;
  },
};

/** Row r's top 3 reasons as text: `pc=5 +0.0812; industry=BANK -0.0150`. */
function reasonsText(model: ForestModel, table: FeatureTable, explained: Contributions, r: number): string {
  const features = model.schema.features;
  const valueOf = (f: number) => {
    const x = table.columns[f]![r]!;
    return features[f]!.kind === 'categorical' ? (features[f]!.values?.[x] ?? String(x)) : x;
  };
  return topReasons(features, explained.contributions, r, valueOf, 3)
    .map(
      (reason) =>
        `${reason.feature}=${reason.value} ${reason.contribution >= 0 ? '+' : ''}${reason.contribution.toFixed(4)}`,
    )
    .join('; ');
}
