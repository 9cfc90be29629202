/**
 * The template the local cloud runs: the product app goes through the synthesis cache (its
 * cdk.json context applied, as `cdk synth` would); an app given by the caller (test
 * fixtures) is synthesized into the state folder.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { synthesize, readTemplate, PROJECT_ROOT, type BuildApp, type LocalTemplate } from './template.ts';
import { synthCacheEnabled, synthesizeProductCached } from './synth-cache.ts';

export interface SynthesisOptions {
  /** The CDK app (default: the product's, infra/app.ts). */
  readonly buildApp?: BuildApp;
  /** Extra CDK context. */
  readonly context?: Record<string, unknown>;
}

export async function synthesizeTemplate(options: SynthesisOptions, stateDir: string): Promise<LocalTemplate> {
  const stacks = await synthesizeStacks(options, stateDir);
  const [stack] = stacks;
  if (stack === undefined || stacks.length !== 1)
    throw new Error(`the local cloud runs one stack, the app has ${stacks.length}`);
  return readTemplate(stack);
}

async function synthesizeStacks(options: SynthesisOptions, stateDir: string) {
  const synthDir = join(stateDir, 'synth');
  if (options.buildApp) {
    rmSync(synthDir, { recursive: true, force: true });
    return synthesize({ outdir: synthDir, buildApp: options.buildApp, context: options.context });
  }
  const context = { ...cdkJsonContext(), ...options.context };
  if (synthCacheEnabled()) return (await synthesizeProductCached(context)).stacks;
  rmSync(synthDir, { recursive: true, force: true });
  return synthesize({ outdir: synthDir, context });
}

/** The `context` of cdk.json, which the CDK CLI would pass to the app. */
function cdkJsonContext(): Record<string, unknown> {
  try {
    return (
      (JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> })
        .context ?? {}
    );
  } catch {
    return {};
  }
}
