/**
 * A Lambda function with the project's defaults, set once: Node.js 24 on arm64, an ESM bundle
 * with source maps (and a `require` for the CommonJS bits some dependencies still use), the
 * AWS SDK left to the runtime, its own log group with the stage's retention, its own role
 * with no managed policy (it may write to its log group, the rest comes from grants), and
 * Powertools' logger settings.
 */
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { StageSettings } from '#infra/settings.ts';
import { stageLogGroup } from './log-groups.ts';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** ESM has no `require`; bundled CommonJS dependencies still call it. */
const REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

export interface ProjectFunctionProps {
  /** The handler file, relative to the project root: `functions/handlers/<stage>/<name>.ts`. */
  readonly entry: string;
  /** MB; the stage's `retention:memory:<name>` overrides it. */
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment?: Record<string, string>;
  /** Extra files a bundle needs (copied by shell commands after bundling). */
  readonly afterBundling?: (inputDir: string, outputDir: string) => string[];
  readonly settings: StageSettings;
  /** DEBUG, INFO (default), WARN or ERROR. */
  readonly logLevel?: string;
  /** At most this many invocations at once (the local cloud honours it too); default: unreserved. */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Bundle the @aws-sdk packages that are not service clients (e.g. @aws-sdk/cloudfront-signer),
   * which the Lambda runtime may not carry; the clients still come from the runtime.
   */
  readonly bundleAwsLibraries?: boolean;
}

export class ProjectFunction extends NodejsFunction {
  /** The handler's name (its file name without `.ts`): `extract`, `predict`, … */
  public readonly handlerName: string;
  /** Its log group (explicit, with the stage's retention). */
  public readonly explicitLogGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ProjectFunctionProps) {
    if (!/^functions\/handlers\/[a-z]+\/[a-z0-9-]+\.ts$/.test(props.entry)) {
      throw new Error(`${id}: entry must be functions/handlers/<stage>/<name>.ts, got "${props.entry}"`);
    }
    const name = basename(props.entry, '.ts');
    const logGroup = stageLogGroup(scope, `${id}Logs`, props.settings);
    // Its own role: CDK's default attaches AWSLambdaBasicExecutionRole (logs:* on every group).
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `retention-forest ${name} function`,
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: `${PROJECT_ROOT}${props.entry}`,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.settings.memoryOf(name, props.memorySize),
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      role,
      logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: name,
        LOG_LEVEL: props.logLevel ?? 'INFO',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        minify: true,
        keepNames: true,
        banner: REQUIRE_BANNER,
        externalModules: props.bundleAwsLibraries ? ['@aws-sdk/client-*'] : ['@aws-sdk/*'],
        // Warnings and errors only: no per-bundle size summary and "Done in" line at every synth.
        logLevel: LogLevel.WARNING,
        ...(props.afterBundling
          ? { commandHooks: { beforeBundling: () => [], beforeInstall: () => [], afterBundling: props.afterBundling } }
          : {}),
      },
    });
    this.handlerName = name;
    this.explicitLogGroup = logGroup;
  }
}

/** The factory the training and prediction constructs take (`newFunction`). */
export function projectFunctionFactory(settings: StageSettings) {
  return (
    scope: Construct,
    id: string,
    spec: Omit<ProjectFunctionProps, 'settings' | 'timeout'> & { timeout?: Duration },
  ): ProjectFunction =>
    new ProjectFunction(scope, id, { ...spec, timeout: spec.timeout ?? Duration.seconds(30), settings });
}
