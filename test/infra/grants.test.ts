/**
 * Least privilege as the template says it: each function's S3 access is exactly what its
 * code does (the table below, read from the handlers' and adapters' S3 calls), nothing
 * deletes, nothing lists beyond its prefixes, and every acknowledged wildcard finding's
 * reason names the prefix and the verbs the policy really grants there.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Validations } from 'aws-cdk-lib';
import { CfnPolicy } from 'aws-cdk-lib/aws-iam';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { buildApp } from '#infra/app.ts';
import { ACCESS_VERBS, OBJECT_ACTIONS, type ObjectAccess } from '#infra/constructs/object-grants.ts';

type Access = Record<string, Record<string, string>>;

/**
 * What each function does with which keys (bucket → prefix → access), from its code:
 * read = GetObject/HeadObject, write = PutObject (and multipart), list = ListObjectsV2, also
 * needed to tell a missing object from a refused one (readTextIfExists, head, exists).
 */
const EXPECTED: Record<string, Access> = {
  // the event object, tables and lists (some optional); its part's files, manifests, markers
  extract: { data: { 'raw/': 'read list', 'extracted/': 'read write list' } },
  // the tables; every part's user counts, rewritten features/manifests, week markers
  rejoin: { data: { 'raw/': 'read list', 'extracted/': 'read write list' } },
  // lists a week's parts and reads them; writes the prepared sets
  prepare: { data: { 'extracted/': 'read list', 'training/': 'write' } },
  train: { data: { 'training/': 'read write' } },
  // the candidates and the test set; the current model (if any) to compare with
  evaluate: { data: { 'training/': 'read write', 'models/': 'read list' } },
  publish: { data: { 'training/': 'read', 'models/': 'read write list' }, site: { 'data/': 'write' } },
  'record-rejection': { data: { 'training/': 'write' } },
  // whether the neighbouring weeks' _COMPLETE.json exist
  'start-training': { data: { 'extracted/': 'read list' } },
  // untrusted input: the model, whether a pointer exists, its trend and scored parts, claim-checked poison records
  predict: {
    data: {
      'models/': 'read',
      'models/current.json': 'list',
      'predictions/trends/': 'write',
      'predictions/scored/': 'write',
      'poison/': 'write',
    },
  },
  trends: {
    data: { 'predictions/trends/': 'read list', 'predictions/trends-counted/': 'read write list' },
    site: { 'data/trends.json': 'read write list', 'data/at-risk.json': 'read write list' },
  },
  // The dashboard's sign-in touches no bucket: its grants are checked in dashboard-construct.test.ts.
  'cookie-key': {},
  'sign-in': {},
  // a week's kept predictions; the next week's marker and active users; the one site document
  outcomes: {
    data: { 'predictions/scored/': 'read list', 'extracted/': 'read list' },
    site: { 'data/outcomes.json': 'read write list' },
  },
};

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, string | string[]>>;
}
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

const BUCKETS = { data: /^DataLakeDataBucket/, site: /^DashboardSiteBucket/ } as const;

describe('object grants', () => {
  let resources: Resources;
  let built: ReturnType<typeof buildApp>;
  const bucketName = (logicalId: string) =>
    (Object.entries(BUCKETS).find(([, pattern]) => pattern.test(logicalId)) ?? [logicalId])[0];

  beforeAll(() => {
    built = buildApp({
      outdir: mkdtempSync(join(tmpdir(), 'grants-test-')),
      context: { 'aws:cdk:bundling-stacks': [] },
    });
    built.synth(); // with cdk-nag: an unacknowledged finding would throw here
    resources = Template.fromStack(built.stack).toJSON().Resources as Resources;
  }, 300_000); // a whole synthesis with cdk-nag, on a shared machine

  /** Each project function's S3 statements, by handler name. */
  const s3StatementsByHandler = () => {
    const byHandler = new Map<string, Statement[]>();
    for (const fn of Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function')) {
      const env = (fn.Properties.Environment as { Variables?: Record<string, string> } | undefined)?.Variables;
      const handler = env?.POWERTOOLS_SERVICE_NAME;
      if (!handler) continue; // CDK's helpers
      const role = (fn.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
      const statements = Object.values(resources)
        .filter((r) => r.Type === 'AWS::IAM::Policy')
        .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))
        .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
        .filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:')));
      byHandler.set(handler, statements);
    }
    return byHandler;
  };

  it('gives each function exactly the S3 access its code uses, by prefix', () => {
    const actual: Record<string, Access> = {};
    for (const [handler, statements] of s3StatementsByHandler()) {
      const access: Record<string, Record<string, Set<string>>> = {};
      const add = (bucket: string, prefix: string, kind: string) =>
        ((access[bucket] ??= {})[prefix] ??= new Set()).add(kind);
      for (const s of statements) {
        expect(s.Effect).toBe('Allow');
        for (const action of [s.Action].flat()) {
          for (const resource of [s.Resource].flat()) {
            const { bucket, path } = s3Resource(resource, bucketName);
            if (action === 's3:ListBucket') {
              expect(path, `${handler} lists a bucket, not objects`).toBe('');
              const prefixes = [s.Condition?.StringLike?.['s3:prefix'] ?? []].flat();
              expect(prefixes.length, `${handler}'s listing is limited by s3:prefix`).toBeGreaterThan(0);
              for (const p of prefixes) add(bucket, p.replace(/\*$/, ''), 'list');
            } else {
              const kind = (Object.keys(OBJECT_ACTIONS) as (keyof typeof OBJECT_ACTIONS)[]).find((k) =>
                (OBJECT_ACTIONS[k] as readonly string[]).includes(action),
              );
              expect(kind, `${handler}: ${action} is neither a read nor a write`).toBeDefined();
              expect(path, `${handler}: ${action} on a whole bucket`).not.toBe('/*');
              add(bucket, path.replace(/^\//, '').replace(/\*$/, ''), kind ?? '');
            }
          }
        }
      }
      actual[handler] = Object.fromEntries(
        Object.entries(access).map(([bucket, prefixes]) => [
          bucket,
          Object.fromEntries(
            Object.entries(prefixes).map(([p, kinds]) => [
              p,
              ['read', 'write', 'list'].filter((k) => kinds.has(k)).join(' '),
            ]),
          ),
        ]),
      );
    }
    expect(actual).toEqual(EXPECTED);
  });

  it('never grants deletes, bucket-wide reads or listings, or S3 action groups to a project function', () => {
    for (const [handler, statements] of s3StatementsByHandler()) {
      const actions = statements.flatMap((s) => [s.Action].flat());
      expect(
        actions.filter(
          (a) => !['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListBucket'].includes(a),
        ),
        handler,
      ).toEqual([]);
      const unconditionedLists = statements.filter(
        (s) => [s.Action].flat().includes('s3:ListBucket') && !s.Condition?.StringLike?.['s3:prefix'],
      );
      expect(unconditionedLists, `${handler} lists without an s3:prefix condition`).toEqual([]);
    }
  });

  it("acknowledges each wildcard with a reason that names its prefix and the policy's verbs there", () => {
    const policies = built.stack.node.findAll().filter((c): c is CfnPolicy => c instanceof CfnPolicy);
    const checked: string[] = [];
    for (const policy of policies) {
      const statements = (built.stack.resolve(policy.policyDocument) as { Statement: Statement[] }).Statement;
      for (const { id, reason } of acknowledgementsOn(policy)) {
        const match = /^AwsSolutions-IAM5\[Resource::<([A-Za-z0-9]+)\.Arn>\/(.+)\]$/.exec(id);
        if (!match?.[1] || !match[2]?.includes('/')) continue; // not an object prefix (e.g. a function's versions)
        const [, bucketId, wildcard] = match;
        const prefix = wildcard.replace(/\*$/, '');
        const named = /objects under (\S+) of/.exec(reason)?.[1];
        expect(named, `${policy.node.path}: "${reason}" names the prefix`).toBe(prefix);
        const granted = statements
          .filter((s) =>
            [s.Resource]
              .flat()
              .some(
                (r) => JSON.stringify(r).includes(`"${bucketId}","Arn"`) && JSON.stringify(r).includes(`/${wildcard}"`),
              ),
          )
          .flatMap((s) => [s.Action].flat());
        const verbsGranted = (Object.keys(OBJECT_ACTIONS) as ObjectAccess[])
          .filter((k) => OBJECT_ACTIONS[k as keyof typeof OBJECT_ACTIONS]?.some((a) => granted.includes(a)))
          .map((k) => ACCESS_VERBS[k]);
        expect(
          granted.every((a) =>
            Object.values(OBJECT_ACTIONS)
              .flat()
              .includes(a as never),
          ),
          `${id}: ${granted}`,
        ).toBe(true);
        const verbsSaid = ['reads', 'writes'].filter((v) =>
          new RegExp(`\\b${v}\\b`).test(reason.split(' only ')[0] ?? ''),
        );
        expect(verbsSaid, `${id}: "${reason}"`).toEqual(verbsGranted);
        checked.push(`${bucketName(bucketId)} ${wildcard}`);
      }
    }
    // Every object-prefix grant of the table above was checked (folders leave a wildcard; single keys do not).
    const folders = Object.values(EXPECTED).flatMap((access) =>
      Object.entries(access).flatMap(([bucket, prefixes]) =>
        Object.entries(prefixes)
          .filter(([p, kinds]) => p.endsWith('/') && kinds !== 'list')
          .map(([p]) => `${bucket} ${p}*`),
      ),
    );
    expect(new Set(checked)).toEqual(new Set(folders));
  });
});

/** `{ Fn::Join: ['', [{ Fn::GetAtt: [Bucket, Arn] }, '/raw/*']] }` → data, '/raw/*'; the bucket itself → ''. */
function s3Resource(resource: unknown, bucketName: (id: string) => string): { bucket: string; path: string } {
  const r = resource as { 'Fn::GetAtt'?: [string]; 'Fn::Join'?: [string, [{ 'Fn::GetAtt': [string] }, string]] };
  if (r['Fn::GetAtt']) return { bucket: bucketName(r['Fn::GetAtt'][0]), path: '' };
  const [head, tail] = r['Fn::Join']?.[1] ?? [];
  if (!head || tail === undefined) throw new Error(`unexpected S3 resource ${JSON.stringify(resource)}`);
  return { bucket: bucketName(head['Fn::GetAtt'][0]), path: tail };
}

/** The acknowledgements recorded on a construct (Validations.acknowledge: `{ '<plugin>::<id>': reason }`). */
function acknowledgementsOn(scope: IConstruct): { id: string; reason: string }[] {
  return scope.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.entries(m.data as Record<string, string>))
    .map(([id, reason]) => ({ id: id.replace(/^.*::(?=AwsSolutions-)/, ''), reason }));
}
