/**
 * The dashboard's hosting: a private, encrypted site bucket behind CloudFront with origin
 * access control, HTTPS only, the same security headers the local server sends, the built
 * site deployed at the root by the stack, and `data/*` (trees.json, card.json,
 * trends.json, written by training and prediction) served with a few seconds of caching.
 * Documents that name users (`data/at-risk*`) are served only with the signed cookies the
 * sign-in at /auth/* issues (dashboard-sign-in.ts); everything else stays public.
 */
import {
  Aspects,
  CfnOutput,
  CfnResource,
  Duration,
  RemovalPolicy,
  Stack,
  Validations,
  type IAspect,
} from 'aws-cdk-lib';
import { rules } from 'cdk-nag';
import {
  AllowedMethods,
  type BehaviorOptions,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct, type IConstruct } from 'constructs';
import { buildSite } from '#dashboard/build.ts';
import { CONTENT_SECURITY_POLICY, DATA_MAX_AGE_SECONDS } from '#dashboard/security-headers.ts';
import { PROTECTED_DATA_PATTERN } from '#dashboard/protected-documents.ts';
import { readSettings, type StageSettings } from '#infra/settings.ts';
import { DashboardSignIn } from './dashboard-sign-in.ts';

/** Where the site documents live in the site bucket. */
const SITE_DATA_PREFIX = 'data/';

export interface DashboardProps {
  /** An already built site (dashboard/build.ts output); built into dashboard/dist/ at synth when absent. */
  readonly siteDir?: string;
  /** What `cdk destroy` does with the site bucket (default DESTROY: everything in it is rebuilt or republished). */
  readonly removalPolicy?: RemovalPolicy;
  /** Empty the bucket on destroy (default: when the removal policy is DESTROY). */
  readonly autoDeleteObjects?: boolean;
  /** Where the site bucket's S3 server access logs go (prefix site-bucket/); without one, S1 is acknowledged. */
  readonly accessLogsBucket?: IBucket;
  /** Names and log retention of the sign-in's functions (default: read from the CDK context). */
  readonly settings?: StageSettings;
}

export class Dashboard extends Construct {
  /** Training writes data/trees.json and data/card.json here; prediction writes data/trends.json. */
  public readonly siteBucket: Bucket;
  public readonly distribution: Distribution;
  /** Who may read the documents that name users. */
  public readonly signIn: DashboardSignIn;
  /** https://<distribution domain>/ */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: DashboardProps = {}) {
    super(scope, id);
    const siteDir = props.siteDir ?? buildSite().outDir;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;

    this.siteBucket = new Bucket(this, 'SiteBucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      removalPolicy,
      autoDeleteObjects: props.autoDeleteObjects ?? removalPolicy === RemovalPolicy.DESTROY,
      ...(props.accessLogsBucket
        ? { serverAccessLogsBucket: props.accessLogsBucket, serverAccessLogsPrefix: 'site-bucket/' }
        : {}),
    });

    const securityHeadersBehavior = {
      contentSecurityPolicy: { contentSecurityPolicy: CONTENT_SECURITY_POLICY, override: true },
      contentTypeOptions: { override: true },
      frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
      referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
    };
    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'retention-forest dashboard: CSP, HSTS, nosniff, no framing, no referrer',
      securityHeadersBehavior,
    });
    // A document naming users must not stay in the browser's cache after the page that read it.
    const privateHeaders = new ResponseHeadersPolicy(this, 'PrivateDocumentHeaders', {
      comment: 'retention-forest dashboard documents that name users: security headers, never stored by browsers',
      securityHeadersBehavior,
      customHeadersBehavior: {
        customHeaders: [{ header: 'Cache-Control', value: 'private, no-store', override: true }],
      },
    });
    const dataCache = new CachePolicy(this, 'DataCachePolicy', {
      comment: 'Site documents change every prediction round: cache for seconds only',
      defaultTtl: Duration.seconds(DATA_MAX_AGE_SECONDS),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.seconds(60),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    const origin = S3BucketOrigin.withOriginAccessControl(this.siteBucket);
    this.signIn = new DashboardSignIn(this, 'SignIn', {
      settings: props.settings ?? readSettings(this.node),
      removalPolicy,
    });
    const documents: BehaviorOptions = {
      origin,
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: dataCache,
      responseHeadersPolicy: headers,
      compress: true,
    };

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'retention-forest dashboard',
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin,
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
      },
      // CloudFront takes the first pattern that matches: the protected one before data/*.
      additionalBehaviors: {
        [PROTECTED_DATA_PATTERN]: {
          ...documents,
          responseHeadersPolicy: privateHeaders,
          trustedKeyGroups: [this.signIn.keyGroup],
        },
        [`${SITE_DATA_PREFIX}*`]: documents,
        'auth/*': {
          origin: this.signIn.origin,
          viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          // The query (code, state) and cookies reach the function; the Host header would break its URL.
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: headers,
        },
      },
    });
    this.signIn.connect(this.distribution);

    new BucketDeployment(this, 'DeploySite', {
      sources: [Source.asset(siteDir)],
      destinationBucket: this.siteBucket,
      // Prune the old site, never the published documents (excluded files are neither copied nor pruned).
      exclude: [`${SITE_DATA_PREFIX}*`],
      prune: true,
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/app.js', '/styles.css'],
    });

    this.url = `https://${this.distribution.distributionDomainName}/`;
    new CfnOutput(this, 'DashboardUrl', {
      key: 'DashboardUrl',
      value: this.url,
      description: 'The dashboard (forest, model card, trends; users at risk after signing in)',
    });
    new CfnOutput(this, 'SiteBucketName', {
      key: 'SiteBucketName',
      value: this.siteBucket.bucketName,
      description: 'The dashboard files; its documents under data/',
    });

    acknowledgeDemoFindings(this, props.accessLogsBucket === undefined);
    Aspects.of(Stack.of(this)).add(new AcknowledgeDeploymentHandler());
  }
}

/** cdk-nag findings this construct accepts, each with the reason it is acceptable here. */
function acknowledgeDemoFindings(dashboard: Dashboard, noAccessLogs: boolean): void {
  Validations.of(dashboard.distribution).acknowledge(
    {
      id: 'AwsSolutions-CFR1',
      reason:
        'Aggregate model documents are public by design and the documents naming users need a Cognito sign-in: no geographic restriction is wanted.',
    },
    {
      id: 'AwsSolutions-CFR2',
      reason:
        'GET/HEAD only; documents naming users need CloudFront signed cookies issued after a Cognito sign-in (MFA required); WAF cost is not justified for the demo.',
    },
    {
      id: 'AwsSolutions-CFR3',
      reason:
        'Access logs would need an ACL-enabled log bucket; who signed in is recorded by Cognito and the sign-in function, the rest of the site is public.',
    },
    {
      id: 'AwsSolutions-CFR4',
      reason:
        'The distribution uses the default *.cloudfront.net certificate, whose minimum TLS version CloudFront fixes; a custom domain would set TLSv1.2_2021.',
    },
  );
  if (noAccessLogs)
    Validations.of(dashboard.siteBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Site bucket holds only the deployed static site and published aggregate documents; requests are seen at CloudFront.',
    });
}

/**
 * BucketDeployment runs a CDK-owned singleton Lambda at the stack's root. Its findings are
 * about CDK's code: the runtime CDK picks (L1), the AWSLambdaBasicExecutionRole it attaches
 * (IAM4: CloudWatch Logs writes only), and the wildcard grants a folder sync needs (IAM5:
 * read every object of the asset, write and delete every object of the site bucket,
 * invalidate the distribution). Each finding actually present on that handler is
 * acknowledged by its exact id, so nothing else in the stack is hidden.
 */
class AcknowledgeDeploymentHandler implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof CfnResource) || !node.node.path.includes('/Custom::CDKBucketDeployment')) return;
    const checks = [
      [
        'AwsSolutions-IAM4',
        rules.iam.IAMNoManagedPolicies,
        'CDK attaches AWSLambdaBasicExecutionRole to its BucketDeployment handler: CloudWatch Logs writes only.',
      ],
      [
        'AwsSolutions-IAM5',
        rules.iam.IAMNoWildcardPermissions,
        'CDK grants its BucketDeployment handler what a folder sync needs: every object of the asset, every site object, the invalidation.',
      ],
    ] as const;
    for (const [id, rule, reason] of checks) {
      const result = rule(node);
      if (Array.isArray(result)) {
        Validations.of(node).acknowledge(...result.map((finding) => ({ id: `${id}[${finding}]`, reason })));
      }
    }
    if (node.cfnResourceType === 'AWS::Lambda::Function') {
      Validations.of(node).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          'CDK chooses the runtime of its BucketDeployment handler and moves it forward with aws-cdk-lib upgrades.',
      });
    }
  }
}
