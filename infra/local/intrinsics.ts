/**
 * Resolves CloudFormation intrinsic functions (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select,
 * Fn::Split, Fn::If and its conditions) against the local cloud's names, URLs and ARNs.
 */

/** What `Ref` and `Fn::GetAtt` of one resource give locally. */
export interface ResourceAddress {
  readonly ref: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface ResolveContext {
  readonly region: string;
  readonly account: string;
  readonly stackName: string;
  /** Addresses by logical id. */
  readonly addresses: ReadonlyMap<string, ResourceAddress>;
  /** The template's Conditions section, for Fn::If. */
  readonly conditions?: Readonly<Record<string, unknown>>;
}

/** Marks a value that resolved to `AWS::NoValue` (dropped from objects and arrays). */
const NO_VALUE = Symbol('AWS::NoValue');

class UnresolvableError extends Error {
  override readonly name = 'UnresolvableError';
}

export function resolve(value: unknown, context: ResolveContext): unknown {
  const result = resolveValue(value, context);
  return result === NO_VALUE ? undefined : result;
}

/** Resolves to a string or throws: for names, URLs, ARNs. */
export function resolveString(value: unknown, context: ResolveContext): string {
  const result = resolve(value, context);
  if (typeof result === 'string') return result;
  if (typeof result === 'number' || typeof result === 'boolean') return String(result);
  throw new UnresolvableError(`expected a string, got ${JSON.stringify(result)}`);
}

function pseudo(name: string, context: ResolveContext): string | typeof NO_VALUE | undefined {
  switch (name) {
    case 'AWS::Region':
      return context.region;
    case 'AWS::AccountId':
      return context.account;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return context.stackName;
    case 'AWS::StackId':
      return `arn:aws:cloudformation:${context.region}:${context.account}:stack/${context.stackName}/local`;
    case 'AWS::NoValue':
      return NO_VALUE;
    default:
      return undefined;
  }
}

function ref(name: string, context: ResolveContext): string | typeof NO_VALUE {
  const p = pseudo(name, context);
  if (p !== undefined) return p;
  const address = context.addresses.get(name);
  if (!address) throw new UnresolvableError(`Ref to unknown resource ${name}`);
  return address.ref;
}

/** `Fn::GetAtt` of [logicalId, ...attribute path]. */
function getAtt([logicalId, ...path]: readonly string[], context: ResolveContext): string {
  if (logicalId === undefined) throw new UnresolvableError('Fn::GetAtt names no resource');
  const attribute = path.join('.');
  const address = context.addresses.get(logicalId);
  if (!address) throw new UnresolvableError(`Fn::GetAtt of unknown resource ${logicalId}`);
  const value = address.attributes[attribute];
  if (value === undefined) throw new UnresolvableError(`Fn::GetAtt ${logicalId}.${attribute} has no local value`);
  return value;
}

function condition(name: string, context: ResolveContext): boolean {
  const definition = context.conditions?.[name];
  if (definition === undefined) throw new UnresolvableError(`unknown condition ${name}`);
  return Boolean(resolveValue(definition, context));
}

function resolveValue(value: unknown, context: ResolveContext): unknown {
  if (Array.isArray(value)) {
    return value.map((v) => resolveValue(v, context)).filter((v) => v !== NO_VALUE);
  }
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const [single] = entries;
  if (single !== undefined && entries.length === 1) {
    const [key, arg] = single;
    const fn = intrinsic(key, arg, context);
    if (fn.matched) return fn.value;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    const r = resolveValue(v, context);
    if (r !== NO_VALUE) out[k] = r;
  }
  return out;
}

function intrinsic(key: string, arg: unknown, context: ResolveContext): { matched: boolean; value?: unknown } {
  const str = (v: unknown) => {
    const r = resolveValue(v, context);
    if (typeof r === 'string' || typeof r === 'number') return String(r);
    throw new UnresolvableError(`${key}: expected a string, got ${JSON.stringify(r)}`);
  };
  switch (key) {
    case 'Ref':
      return { matched: true, value: ref(String(arg), context) };
    case 'Fn::GetAtt':
      return { matched: true, value: getAtt(Array.isArray(arg) ? arg.map(String) : String(arg).split('.'), context) };
    case 'Fn::Join': {
      const [separator, parts] = arg as [string, unknown];
      const list = resolveValue(parts, context) as unknown[];
      return { matched: true, value: list.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(separator) };
    }
    case 'Fn::Sub': {
      const [template, variables] = Array.isArray(arg) ? (arg as [string, Record<string, unknown>]) : [String(arg), {}];
      const value = template.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
        if (name in variables) return str(variables[name]);
        if (name.includes('.')) return getAtt(name.split('.'), context);
        return str({ Ref: name });
      });
      return { matched: true, value: value.replace(/\$\{!/g, '${') };
    }
    case 'Fn::Select': {
      const [index, list] = arg as [unknown, unknown];
      const items = resolveValue(list, context) as unknown[];
      return { matched: true, value: items[Number(resolveValue(index, context))] };
    }
    case 'Fn::Split': {
      const [separator, source] = arg as [string, unknown];
      return { matched: true, value: str(source).split(separator) };
    }
    case 'Fn::If': {
      const [name, whenTrue, whenFalse] = arg as [string, unknown, unknown];
      return { matched: true, value: resolveValue(condition(name, context) ? whenTrue : whenFalse, context) };
    }
    case 'Fn::Equals': {
      const [a, b] = arg as [unknown, unknown];
      return {
        matched: true,
        value: JSON.stringify(resolveValue(a, context)) === JSON.stringify(resolveValue(b, context)),
      };
    }
    case 'Fn::Not':
      return { matched: true, value: !resolveValue((arg as unknown[])[0], context) };
    case 'Fn::And':
      return { matched: true, value: (arg as unknown[]).every((c) => resolveValue(c, context)) };
    case 'Fn::Or':
      return { matched: true, value: (arg as unknown[]).some((c) => resolveValue(c, context)) };
    case 'Condition':
      return { matched: true, value: condition(String(arg), context) };
    case 'Fn::ImportValue':
    case 'Fn::GetAZs':
    case 'Fn::Base64':
    case 'Fn::Cidr':
    case 'Fn::FindInMap':
      throw new UnresolvableError(`${key} is not supported by the local cloud`);
    default:
      return { matched: false };
  }
}
