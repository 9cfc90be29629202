/**
 * Stage settings, read once from CDK context (cdk.json, `-c key=value`, or buildApp's
 * `context`): how resources are named, how long logs are kept, what happens to data on
 * `cdk destroy`, and each Lambda's memory. Unknown values fail synthesis with a readable error.
 *
 *   retention:stage            "dev" (default) or any [a-z0-9-] name; "prod" keeps data
 *   retention:logRetentionDays one of CloudWatch's retention periods (default 30, prod 365)
 *   retention:removalPolicy    "destroy" | "retain" (default: retain for prod, destroy otherwise)
 *   retention:memory:<name>    MB for the function of that handler file, e.g. retention:memory:extract
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';

export interface StageSettings {
  readonly stage: string;
  /** Prefix of physical names and the `project` tag: `retention-forest-<stage>`. */
  readonly prefix: string;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** Whether buckets are emptied on destroy (only with RemovalPolicy.DESTROY). */
  readonly autoDeleteObjects: boolean;
  /** Memory (MB) of a function by handler name, or the default the construct asked for. */
  memoryOf(handler: string, fallback: number): number;
}

/** What a log group takes from the stage. */
export type LogSettings = Pick<StageSettings, 'logRetention' | 'removalPolicy'>;

const RETENTION_DAYS = new Set<number>(Object.values(RetentionDays).filter((v): v is number => typeof v === 'number'));

export function readSettings(node: Node): StageSettings {
  const context = (key: string): unknown => node.tryGetContext(key);
  const stage = String(context('retention:stage') ?? 'dev');
  if (!/^[a-z0-9-]{1,20}$/.test(stage)) throw new Error(`retention:stage must be 1-20 of [a-z0-9-], got "${stage}"`);
  const prod = stage === 'prod';

  const days = Number(context('retention:logRetentionDays') ?? (prod ? 365 : 30));
  if (!RETENTION_DAYS.has(days)) {
    throw new Error(
      `retention:logRetentionDays must be one of ${[...RETENTION_DAYS].filter((d) => d > 0).join(', ')}, got "${days}"`,
    );
  }
  const policy = String(context('retention:removalPolicy') ?? (prod ? 'retain' : 'destroy'));
  if (policy !== 'destroy' && policy !== 'retain')
    throw new Error(`retention:removalPolicy must be "destroy" or "retain", got "${policy}"`);

  return {
    stage,
    prefix: `retention-forest-${stage}`,
    logRetention: days as RetentionDays,
    removalPolicy: policy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    autoDeleteObjects: policy === 'destroy',
    memoryOf(handler, fallback) {
      const raw = context(`retention:memory:${handler}`);
      if (raw === undefined) return fallback;
      const mb = Number(raw);
      if (!Number.isInteger(mb) || mb < 128 || mb > 10_240)
        throw new Error(`retention:memory:${handler} must be 128..10240 MB, got "${String(raw)}"`);
      return mb;
    },
  };
}
