/**
 * Every log group of the stack keeps logs as long as the stage says and goes with the stack
 * as the stage says: the project's own (functions, the state machine) are made with
 * `stageLogGroup`, and CDK's helper Lambdas (bucket notifications, auto-delete objects, the
 * site deployment), which would otherwise log to groups Lambda creates on first use and keeps
 * forever, are each given one by `giveHelpersStageLogGroups`.
 */
import { Aspects, CfnResource, type IAspect } from 'aws-cdk-lib';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct, IConstruct } from 'constructs';
import type { LogSettings } from '#infra/settings.ts';

/** A log group with the stage's retention and removal policy. */
export function stageLogGroup(scope: Construct, id: string, settings: LogSettings): LogGroup {
  return new LogGroup(scope, id, { retention: settings.logRetention, removalPolicy: settings.removalPolicy });
}

/** Gives each Lambda in `scope` that has no log group of its own a stage log group. */
export function giveHelpersStageLogGroups(scope: IConstruct, settings: LogSettings): void {
  Aspects.of(scope).add(new HelperLogGroups(settings));
}

class HelperLogGroups implements IAspect {
  private readonly settings: LogSettings;

  constructor(settings: LogSettings) {
    this.settings = settings;
  }

  visit(node: IConstruct): void {
    if (!(node instanceof CfnResource) || node.cfnResourceType !== 'AWS::Lambda::Function') return;
    if (node instanceof CfnFunction && node.loggingConfig !== undefined) return;
    const parent = node.node.scope;
    const id = `${node.node.id}StageLogs`;
    if (!parent || parent.node.tryFindChild(id)) return;
    const logGroup = stageLogGroup(parent, id, this.settings).logGroupName;
    if (node instanceof CfnFunction) node.loggingConfig = { logGroup };
    // CDK builds some helpers (bucket notifications, auto-delete objects) as a bare CfnResource
    // without LoggingConfig: a property override is the only way in.
    else node.addPropertyOverride('LoggingConfig', { LogGroup: logGroup });
  }
}
