/**
 * The hosting construct, synthesized: what CloudFormation will create for the dashboard,
 * and what cdk-nag still reports about it (nothing unacknowledged of its own).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Dashboard } from '#infra/constructs/dashboard.ts';
import { buildSite } from '#dashboard/build.ts';
import { CONTENT_SECURITY_POLICY } from '#dashboard/security-headers.ts';

let outdir: string;
let stack: Stack;
let template: Template;
let dashboard: Dashboard;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'dashboard-cdk-'));
  const siteDir = buildSite({ outDir: join(outdir, 'site') }).outDir;
  const app = new App({ outdir: join(outdir, 'cdk.out') });
  stack = new Stack(app, 'DashboardTest', { env: { account: '000000000000', region: 'us-east-1' } });
  dashboard = new Dashboard(stack, 'Dashboard', { siteDir });
  template = Template.fromStack(stack);
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('dashboard hosting', () => {
  it('keeps the site bucket private, encrypted and TLS-only', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          // Origin access control: only this distribution may read.
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
          }),
        ]),
      },
    });
    // One origin access control for the bucket, one for the sign-in function's URL.
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 2);
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 's3' }),
    });
  });

  it('serves index.html over HTTPS only with security headers, and data/* with seconds of caching', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
          ResponseHeadersPolicyId: Match.anyValue(),
        }),
        CacheBehaviors: Match.arrayWith([
          Match.objectLike({ PathPattern: 'data/*', ViewerProtocolPolicy: 'redirect-to-https' }),
        ]),
      }),
    });
    template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({ DefaultTTL: 5, MaxTTL: 60, MinTTL: 0 }),
    });
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: { ContentSecurityPolicy: CONTENT_SECURITY_POLICY, Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: 31536000 }),
        }),
      }),
    });
  });

  it('deploys the built site without pruning the published documents, and outputs the URL', () => {
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      Prune: true,
      Exclude: ['data/*'],
      DistributionPaths: Match.arrayWith(['/index.html']),
    });
    const outputs = template.findOutputs('*');
    const url = Object.entries(outputs).find(([name]) => name.includes('DashboardUrl'));
    expect(url, 'a DashboardUrl output').toBeDefined();
    expect(JSON.stringify(url?.[1].Value)).toContain('DomainName');
    const bucket = Object.entries(outputs).find(([name]) => name.includes('SiteBucketName'));
    expect(bucket?.[1].Value).toEqual({
      Ref: stack.getLogicalId(dashboard.siteBucket.node.defaultChild as CfnElement),
    });
  });

  it('leaves no unacknowledged cdk-nag finding on its own resources', () => {
    const report = new AwsSolutionsChecks(stack).validateScope(stack);
    // The stack holds only the dashboard (and the CDK helpers it brings), so every finding is ours.
    const findings = report.violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`),
    );
    expect(findings).toEqual([]);
  });

  it('does not hide findings of other resources in the same stack', () => {
    const app = new App({ outdir: join(outdir, 'cdk.out2') });
    const other = new Stack(app, 'Neighbour');
    new Dashboard(other, 'Dashboard', { siteDir: join(outdir, 'site') });
    new Bucket(other, 'PlainBucket');
    app.synth(); // aspects (the handler's acknowledgements) run at synthesis, before cdk-nag in a real app
    const report = new AwsSolutionsChecks(other).validateScope(other);
    const findings = report.violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`),
    );
    expect(findings).toContain('AwsSolutions-S1 at Neighbour/PlainBucket/Resource');
    expect(findings.filter((f) => !f.includes('PlainBucket'))).toEqual([]);
  });

  it('logs site bucket access to a given logs bucket, with nothing left to acknowledge for it', () => {
    const app = new App({ outdir: join(outdir, 'cdk.out3') });
    const logged = new Stack(app, 'Logged');
    const logs = new Bucket(logged, 'Logs');
    new Dashboard(logged, 'Dashboard', { siteDir: join(outdir, 'site'), accessLogsBucket: logs });
    const t = Template.fromStack(logged);
    t.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'site-bucket/' },
    });
    const report = new AwsSolutionsChecks(logged).validateScope(logged);
    const findings = report.violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`),
    );
    expect(findings.filter((f) => f.includes('/Dashboard/'))).toEqual([]);
  });
});

type Behavior = { PathPattern?: string; TrustedKeyGroups?: unknown[]; TargetOriginId: string };

describe('dashboard sign-in', () => {
  const distribution = () =>
    Object.values(template.findResources('AWS::CloudFront::Distribution'))[0]?.Properties.DistributionConfig as {
      DefaultCacheBehavior: Behavior;
      CacheBehaviors: Behavior[];
      Origins: { Id: string; DomainName: unknown; OriginAccessControlId?: unknown }[];
    };

  it('requires the signed cookies of its key group on data/at-risk*, matched before data/*, and nowhere else', () => {
    const { DefaultCacheBehavior, CacheBehaviors } = distribution();
    expect(CacheBehaviors.map((b) => b.PathPattern)).toEqual(['data/at-risk*', 'data/*', 'auth/*']);
    const [atRisk, data, auth] = CacheBehaviors;
    const keyGroup = stack.getLogicalId(dashboard.signIn.keyGroup.node.defaultChild as CfnElement);
    expect(atRisk?.TrustedKeyGroups).toEqual([{ Ref: keyGroup }]);
    // The same S3 origin: what differs is only who may read.
    expect(atRisk?.TargetOriginId).toBe(data?.TargetOriginId);
    for (const open of [DefaultCacheBehavior, data, auth]) expect(open?.TrustedKeyGroups).toBeUndefined();
    template.resourceCountIs('AWS::CloudFront::KeyGroup', 1);
  });

  it('tells browsers never to store the documents that name users', () => {
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        CustomHeadersConfig: { Items: [{ Header: 'Cache-Control', Value: 'private, no-store', Override: true }] },
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: { ContentSecurityPolicy: CONTENT_SECURITY_POLICY, Override: true },
        }),
      }),
    });
  });

  it('serves /auth/* from the sign-in function URL, reachable only through the distribution', () => {
    const { CacheBehaviors, Origins } = distribution();
    const auth = CacheBehaviors.find((b) => b.PathPattern === 'auth/*');
    const origin = Origins.find((o) => o.Id === auth?.TargetOriginId);
    expect(JSON.stringify(origin?.DomainName)).toContain('SignInFunction');
    expect(origin?.OriginAccessControlId).toBeDefined();
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM' });
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 'lambda' }),
    });
  });

  it('lets only administrator-created users with MFA and a strong password sign in, through a public PKCE client', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 14,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      SupportedIdentityProviders: ['COGNITO'],
      CallbackURLs: [
        {
          'Fn::Join': [
            '',
            [
              'https://',
              { 'Fn::GetAtt': [Match.stringLikeRegexp('^DashboardDistribution'), 'DomainName'] },
              '/auth/callback',
            ],
          ],
        },
      ],
    });
  });

  it('keeps the signing key out of the template: made at deploy time, the private half only in Secrets Manager', () => {
    const text = JSON.stringify(template.toJSON());
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain('BEGIN PUBLIC KEY');
    const secrets = Object.values(template.findResources('AWS::SecretsManager::Secret'));
    expect(secrets).toHaveLength(1);
    expect(secrets[0]?.Properties.SecretString).toBeUndefined();
    template.hasResourceProperties('AWS::CloudFront::PublicKey', {
      PublicKeyConfig: Match.objectLike({
        EncodedKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('CookieKey'), 'PublicKey'] },
      }),
    });
    template.hasResourceProperties('Custom::CookieSigningKey', { SecretArn: { Ref: Match.anyValue() }, Version: '1' });
  });

  it('grants each sign-in function exactly what it does, on exactly its resources', () => {
    const statementsOf = (handler: string) => {
      const fn = Object.entries(template.findResources('AWS::Lambda::Function')).find(
        ([, f]) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === handler,
      );
      const role = (fn?.[1].Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
      return Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
        .filter((s) => !String(s.Action).startsWith('logs:'));
    };
    expect(statementsOf('cookie-key')).toEqual([
      expect.objectContaining({
        Action: 'secretsmanager:PutSecretValue',
        Resource: expect.objectContaining({ Ref: expect.stringMatching(/CookieSigningKey/) }),
      }),
    ]);
    const signIn = statementsOf('sign-in');
    expect(signIn.map((s) => s.Action).sort()).toEqual(['secretsmanager:GetSecretValue', 'ssm:GetParameter']);
    expect(JSON.stringify(signIn.find((s) => s.Action === 'ssm:GetParameter')?.Resource)).toContain(
      ':parameter/retention-forest-dev/dashboard/sign-in',
    );
  });
});
