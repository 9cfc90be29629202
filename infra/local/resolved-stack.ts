/**
 * The parts of the template that are read, not created: state machine definitions and the
 * stack's outputs, with every intrinsic resolved to the local names and ARNs.
 */
import { resolve, resolveString, type ResolveContext } from './intrinsics.ts';
import type { LocalTemplate, StateMachineSpec } from './template.ts';
import { resourceOf, type LocalResources } from './stack-resources.ts';

export interface ResolvedStateMachine {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** The ASL definition with every Ref/GetAtt resolved to local names and ARNs. */
  readonly definition: Record<string, unknown>;
}

export function resolveStateMachines(
  template: LocalTemplate,
  resources: LocalResources,
  context: ResolveContext,
): ResolvedStateMachine[] {
  return template.stateMachines.map((machine) => ({
    logicalId: machine.logicalId,
    name: machine.name,
    arn: resourceOf(resources.stateMachines, 'state machine', machine.logicalId).arn,
    definition: resolveDefinition(machine, template, context),
  }));
}

/** The definition as text (a string, or Fn::Join parts, or an object), then DefinitionSubstitutions applied. */
function resolveDefinition(
  machine: StateMachineSpec,
  template: LocalTemplate,
  context: ResolveContext,
): Record<string, unknown> {
  const raw = resourceOf(template.template.Resources, 'resource', machine.logicalId).Properties ?? {};
  let text =
    typeof machine.definition === 'string' ||
    (machine.definition && typeof machine.definition === 'object' && !('States' in machine.definition))
      ? resolveString(machine.definition, context)
      : JSON.stringify(resolve(machine.definition, context));
  const substitutions = (resolve(raw.DefinitionSubstitutions ?? {}, context) ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(substitutions)) text = text.split(`\${${key}}`).join(String(value));
  return JSON.parse(text) as Record<string, unknown>;
}

/** The stack's outputs; one that does not resolve locally is left out with a warning. */
export function resolveOutputs(
  template: LocalTemplate,
  context: ResolveContext,
  warn: (message: string) => void,
): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const [name, output] of Object.entries(template.template.Outputs ?? {})) {
    try {
      outputs[name] = resolveString(output.Value, context);
    } catch (error) {
      warn(`output ${name}: ${(error as Error).message}`);
    }
  }
  return outputs;
}
