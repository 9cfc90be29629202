/**
 * S3 access by key prefix, as narrow as S3 allows and said in words that match the policy.
 *
 * CDK's `bucket.grant*` adds action groups (`s3:GetObject*`, `s3:List*`, `s3:GetBucket*`,
 * `s3:DeleteObject*` for read-write) and lists the whole bucket. Here each prefix gets only
 * what the function's code does with it:
 *   read  → s3:GetObject on the objects under the prefix (GET and HEAD)
 *   write → s3:PutObject and s3:AbortMultipartUpload there (whole and multipart writes)
 *   list  → s3:ListBucket on the bucket, only for listings whose `s3:prefix` lies under it
 *           (also what tells a missing object from a refused one: `functions/aws/s3-missing.ts`)
 * Nothing deletes, so nothing may. A prefix ending in `/` is a folder; any other is one key.
 *
 * Each grant records why in the words of the acknowledgement cdk-nag gets for the
 * wildcard it leaves (`<bucket>/<prefix>*`): `acknowledgeObjectGrants` attaches it, and
 * test/infra/grants.test.ts reads those reasons back against the policies.
 */
import { Aspects, CfnResource, Stack, Validations, type IAspect } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { rules } from 'cdk-nag';
import type { IConstruct } from 'constructs';

export type ObjectAccess = 'read' | 'write' | 'list';

/** The IAM actions each access stands for, on the objects under its prefix. */
export const OBJECT_ACTIONS = {
  read: ['s3:GetObject'],
  write: ['s3:PutObject', 's3:AbortMultipartUpload'],
} as const;

/** The verbs a reason uses for each access, in this order. */
export const ACCESS_VERBS: Record<ObjectAccess, string> = { read: 'reads', write: 'writes', list: 'lists' };

interface Declared {
  readonly bucketId: string;
  readonly prefix: string;
  readonly reason: string;
}

/** What each role was granted, by the construct that owns its policy. */
const declaredByRole = new WeakMap<IConstruct, Declared[]>();

/**
 * Grants `fn` the given access to each key prefix of `bucket` (`{ 'extracted/': ['read', 'list'] }`).
 * `names` says what the run-time part of the keys is (weeks, parts, run ids…), for the reason.
 */
export function grantObjects(
  fn: IFunction,
  bucket: IBucket,
  access: Readonly<Record<string, readonly ObjectAccess[]>>,
  names: string,
): void {
  const role = fn.role;
  if (!role) throw new Error(`${fn.node.path} has no role to grant ${bucket.node.path} access to`);
  acknowledgeObjectGrants(Stack.of(fn));
  const listed: string[] = [];
  for (const [prefix, kinds] of Object.entries(access)) {
    const objects = bucket.arnForObjects(prefix.endsWith('/') ? `${prefix}*` : prefix);
    const actions = kinds.flatMap((kind) => (kind === 'list' ? [] : OBJECT_ACTIONS[kind]));
    if (actions.length > 0) fn.addToRolePolicy(new PolicyStatement({ actions, resources: [objects] }));
    if (kinds.includes('list')) listed.push(prefix.endsWith('/') ? `${prefix}*` : prefix);
    if (kinds.includes('read')) bucket.encryptionKey?.grantDecrypt(fn);
    if (kinds.includes('write')) bucket.encryptionKey?.grantEncryptDecrypt(fn);
    recordReason(role, bucket, prefix, reasonFor(fn, kinds, prefix, bucket, names));
  }
  if (listed.length > 0) {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': listed } },
      }),
    );
  }
}

function reasonFor(fn: IFunction, kinds: readonly ObjectAccess[], prefix: string, bucket: IBucket, names: string) {
  const verbs = (['read', 'write', 'list'] as const).filter((k) => kinds.includes(k)).map((k) => ACCESS_VERBS[k]);
  const said = verbs.length > 1 ? `${verbs.slice(0, -1).join(', ')} and ${verbs.at(-1)}` : verbs.join('');
  return (
    `${fn.node.id} ${said} only objects under ${prefix} of ${bucket.node.scope?.node.id ?? ''}${bucket.node.id}, ` +
    `whose names (${names}) are made at run time: a prefix is the narrowest S3 resource for them.`
  );
}

function recordReason(role: IConstruct, bucket: IBucket, prefix: string, reason: string): void {
  if (!prefix.endsWith('/')) return; // one key: no wildcard, nothing to acknowledge
  const bucketId = logicalIdOf(bucket);
  const list = declaredByRole.get(role) ?? [];
  declaredByRole.set(role, [
    ...list.filter((d) => !(d.bucketId === bucketId && d.prefix === prefix)),
    { bucketId, prefix, reason },
  ]);
}

const logicalIdOf = (bucket: IBucket): string => {
  const arn = Stack.of(bucket).resolve(bucket.bucketArn) as { 'Fn::GetAtt'?: [string, string] };
  const id = arn['Fn::GetAtt']?.[0];
  if (!id) throw new Error(`${bucket.node.path}: only buckets of this stack can be granted by prefix`);
  return id;
};

const acknowledging = new WeakSet<Stack>();

/**
 * Acknowledges, on each role's policy, exactly the wildcard findings (AwsSolutions-IAM5)
 * its `grantObjects` calls leave: `Resource::<bucket.Arn>/<prefix>*`, with the grant's own
 * reason. Any other wildcard (an action group, another prefix, the whole bucket) stays
 * visible. Added once per stack, by the first grant.
 */
function acknowledgeObjectGrants(stack: Stack): void {
  if (acknowledging.has(stack)) return;
  acknowledging.add(stack);
  Aspects.of(stack).add(new AcknowledgeObjectGrants());
}

class AcknowledgeObjectGrants implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof CfnResource) || node.cfnResourceType !== 'AWS::IAM::Policy') return;
    const role = node.node.scope?.node.scope;
    const declared = role ? declaredByRole.get(role) : undefined;
    const findings = rules.iam.IAMNoWildcardPermissions(node);
    if (!declared || !Array.isArray(findings)) return;
    const acknowledged = findings.flatMap((finding) => {
      const match = /^Resource::<([A-Za-z0-9]+)\.Arn>\/(.+)\*$/.exec(finding);
      const grant = match && declared.find((d) => d.bucketId === match[1] && d.prefix === match[2]);
      return grant ? [{ id: `AwsSolutions-IAM5[${finding}]`, reason: grant.reason }] : [];
    });
    if (acknowledged.length > 0) Validations.of(node).acknowledge(...acknowledged);
  }
}
