/**
 * Sign-in for the dashboard's documents that name users (data/at-risk*): a Cognito user
 * pool (admin-created users only, TOTP MFA required) with its managed sign-in pages, and a
 * small function at /auth/* behind the distribution that, once Cognito's ID token is
 * verified, sets CloudFront signed cookies. The distribution requires those cookies on the
 * protected path pattern through a trusted key group; the key pair is made at deploy time
 * by a custom resource that writes the private key straight into Secrets Manager, so no
 * secret is ever in the template. Everything else on the dashboard stays public.
 */
import { Aws, CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { KeyGroup, PublicKey, type Distribution, type IOrigin } from 'aws-cdk-lib/aws-cloudfront';
import { FunctionUrlOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  OAuthScope,
  UserPool,
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FunctionUrlAuthType } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { SignInSettings } from '#handlers/dashboard/sign-in.ts';
import { acknowledge } from '#infra/nag.ts';
import type { StageSettings } from '#infra/settings.ts';
import { ProjectFunction } from './project-function.ts';

export interface DashboardSignInProps {
  readonly settings: StageSettings;
  /** What `cdk destroy` does with the user pool and the key's secret. */
  readonly removalPolicy: RemovalPolicy;
}

export class DashboardSignIn extends Construct {
  public readonly userPool: UserPool;
  public readonly domain: UserPoolDomain;
  /** The keys CloudFront checks the signed cookies with. */
  public readonly keyGroup: KeyGroup;
  /** The sign-in function's URL, reachable only through the distribution (origin access control). */
  public readonly origin: IOrigin;
  readonly #settings: StageSettings;
  readonly #secret: Secret;
  readonly #publicKey: PublicKey;
  readonly #parameterName: string;

  constructor(scope: Construct, id: string, props: DashboardSignInProps) {
    super(scope, id);
    const { settings, removalPolicy } = props;
    this.#settings = settings;
    this.#parameterName = `/${settings.prefix}/dashboard/sign-in`;

    this.userPool = new UserPool(this, 'Users', {
      userPoolName: `${settings.prefix}-dashboard`,
      // People are added by an administrator (docs/deploy.md); nobody signs themselves up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.ESSENTIALS,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
    acknowledge(
      this.userPool,
      'AwsSolutions-COG8',
      'Threat protection needs the Plus feature plan (billed per active user); sign-in is limited to administrator-created users with TOTP MFA required and a 14-character password policy.',
    );
    // Domain prefixes are unique per region across all accounts: the account id keeps this one ours.
    this.domain = this.userPool.addDomain('SignInPages', {
      cognitoDomain: { domainPrefix: `${settings.prefix}-${Aws.ACCOUNT_ID}` },
    });

    this.#secret = new Secret(this, 'CookieSigningKey', {
      description: 'Private key of the dashboard CloudFront key group (written by the CookieKey custom resource)',
      removalPolicy,
    });
    acknowledge(
      this.#secret,
      'AwsSolutions-SMG4',
      'The key is rotated by deploying with a new retention:signInKeyVersion, which replaces the public key CloudFront trusts in the same deployment; a Secrets Manager rotation could not update CloudFront.',
    );
    this.#publicKey = this.cookieKey();
    this.keyGroup = new KeyGroup(this, 'CookieKeyGroup', {
      items: [this.#publicKey],
      comment: 'retention-forest dashboard: signed cookies for documents that name users',
    });
    this.origin = FunctionUrlOrigin.withOriginAccessControl(
      this.signInFunction().addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM }),
    );
  }

  /** The parts that name the distribution, made once it exists: the app client and the function's settings. */
  connect(distribution: Distribution): void {
    const origin = `https://${distribution.distributionDomainName}`;
    const client = this.userPool.addClient('DashboardClient', {
      // A public client with PKCE: there is no client secret to keep.
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL],
        callbackUrls: [`${origin}/auth/callback`],
        logoutUrls: [`${origin}/`],
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.minutes(60),
      accessTokenValidity: Duration.minutes(60),
      refreshTokenValidity: Duration.hours(12),
    });
    const value: SignInSettings = {
      userPoolId: this.userPool.userPoolId,
      clientId: client.userPoolClientId,
      cognitoDomain: this.domain.baseUrl(),
      origin,
      keyPairId: this.#publicKey.publicKeyId,
      privateKeySecretArn: this.#secret.secretArn,
    };
    new StringParameter(this, 'Settings', {
      parameterName: this.#parameterName,
      description: 'retention-forest dashboard sign-in: user pool, app client, distribution, key pair id (no secrets)',
      stringValue: Stack.of(this).toJsonString(value),
    });
  }

  /** The key pair, made at deploy time: the private half into the secret, the public half to CloudFront. */
  private cookieKey(): PublicKey {
    const maker = new ProjectFunction(this, 'CookieKeyFunction', {
      entry: 'functions/handlers/dashboard/cookie-key.ts',
      memorySize: 256,
      timeout: Duration.seconds(60),
      settings: this.#settings,
    });
    maker.addToRolePolicy(
      new PolicyStatement({ actions: ['secretsmanager:PutSecretValue'], resources: [this.#secret.secretArn] }),
    );
    const key = new CustomResource(this, 'CookieKey', {
      serviceToken: maker.functionArn,
      resourceType: 'Custom::CookieSigningKey',
      properties: {
        SecretArn: this.#secret.secretArn,
        Version: String(this.node.tryGetContext('retention:signInKeyVersion') ?? '1'),
      },
    });
    return new PublicKey(this, 'CookiePublicKey', {
      encodedKey: key.getAttString('PublicKey'),
      comment: 'retention-forest dashboard signed cookies',
    });
  }

  /**
   * Reads its settings parameter by name and the private key: the parameter names the app
   * client, which names the distribution, which names this function's URL, so a reference
   * from the function to the parameter would be a cycle.
   */
  private signInFunction(): ProjectFunction {
    const fn = new ProjectFunction(this, 'SignInFunction', {
      entry: 'functions/handlers/dashboard/sign-in.ts',
      memorySize: 256,
      timeout: Duration.seconds(10),
      environment: { SETTINGS_PARAMETER: this.#parameterName },
      bundleAwsLibraries: true,
      settings: this.#settings,
    });
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['ssm:GetParameter'],
        resources: [
          Stack.of(this).formatArn({
            service: 'ssm',
            resource: 'parameter',
            resourceName: this.#parameterName.slice(1),
          }),
        ],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.#secret.secretArn] }),
    );
    return fn;
  }
}
