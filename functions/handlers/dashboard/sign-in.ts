/**
 * Sign-in for the dashboard's documents that name users, behind CloudFront at /auth/*
 * (a function URL reachable only through the distribution's origin access control):
 * /auth/sign-in sends the browser to the user pool's sign-in page, /auth/callback verifies
 * the ID token Cognito issues (aws-jwt-verify) and answers with CloudFront signed cookies
 * for data/at-risk*, /auth/sign-out removes them. The settings come from one SSM parameter
 * the stack writes (the app client names the distribution, so the function cannot).
 */
import type { APIGatewayProxyStructuredResultV2 as SignInAnswer, LambdaFunctionURLEvent } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { requireEnv } from '#aws/clients.ts';
import {
  clearedFlowCookie,
  exchangeCode,
  startSignIn,
  verifierFor,
  type CognitoClient,
} from '#aws/dashboard/cognito-sign-in.ts';
import { clearedCookies, signedCookies, type CookieSigner } from '#aws/dashboard/signed-cookies.ts';

/** What the stack writes to the settings parameter (infra/constructs/dashboard-sign-in.ts). */
export interface SignInSettings {
  readonly userPoolId: string;
  readonly clientId: string;
  readonly cognitoDomain: string;
  /** https://<distribution domain> */
  readonly origin: string;
  readonly keyPairId: string;
  readonly privateKeySecretArn: string;
}

export interface SignInDeps {
  readonly client: CognitoClient;
  readonly signer: CookieSigner;
  /** Throws unless `idToken` is a valid ID token of the user pool for the app client. */
  readonly verifyIdToken: (idToken: string) => Promise<unknown>;
  readonly logger: Logger;
  readonly now?: () => number;
}

const answer = (statusCode: number, body: string, cookies: string[] = []): SignInAnswer => ({
  statusCode,
  headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  body,
  cookies,
});
const redirect = (location: string, cookies: string[]): SignInAnswer => ({
  statusCode: 302,
  headers: { location, 'cache-control': 'no-store' },
  cookies,
});

export function createSignInHandler(deps: SignInDeps) {
  const { client, signer, logger } = deps;
  const now = deps.now ?? Date.now;
  const callback = async (event: LambdaFunctionURLEvent): Promise<SignInAnswer> => {
    const query = event.queryStringParameters ?? {};
    const verifier = verifierFor(query.state, event.cookies ?? []);
    if (!query.code || !verifier) return answer(400, 'This sign-in is stale or was not started here: sign in again.');
    try {
      await deps.verifyIdToken(await exchangeCode(client, query.code, verifier));
    } catch (error) {
      logger.warn('sign-in refused', { reason: (error as Error).message });
      return answer(401, 'Sign-in failed: sign in again.', [clearedFlowCookie]);
    }
    return redirect('/#at-risk', [...signedCookies(signer, now()), clearedFlowCookie]);
  };
  return async (event: LambdaFunctionURLEvent): Promise<SignInAnswer> => {
    switch (event.rawPath) {
      case '/auth/sign-in': {
        const start = startSignIn(client);
        return redirect(start.location, [start.cookie]);
      }
      case '/auth/callback':
        return callback(event);
      case '/auth/sign-out': {
        const logout = new URLSearchParams({ client_id: client.clientId, logout_uri: `${signer.origin}/` });
        return redirect(`${client.cognitoDomain}/logout?${logout}`, clearedCookies());
      }
      default:
        return answer(404, 'not found');
    }
  };
}

async function signInDepsFromEnv(): Promise<SignInDeps> {
  const parameter = await new SSMClient({}).send(new GetParameterCommand({ Name: requireEnv('SETTINGS_PARAMETER') }));
  const settings = JSON.parse(parameter.Parameter?.Value ?? '{}') as SignInSettings;
  const secret = await new SecretsManagerClient({}).send(
    new GetSecretValueCommand({ SecretId: settings.privateKeySecretArn }),
  );
  const verifier = CognitoJwtVerifier.create({
    userPoolId: settings.userPoolId,
    clientId: settings.clientId,
    tokenUse: 'id',
  });
  return {
    client: {
      cognitoDomain: settings.cognitoDomain,
      clientId: settings.clientId,
      redirectUri: `${settings.origin}/auth/callback`,
    },
    signer: { origin: settings.origin, keyPairId: settings.keyPairId, privateKey: secret.SecretString ?? '' },
    verifyIdToken: (token) => verifier.verify(token),
    logger: new Logger(),
  };
}

let built: Promise<ReturnType<typeof createSignInHandler>> | undefined;

/** Settings and key are read once per cold start (a failed read is retried by the next request). */
export const handler = async (event: LambdaFunctionURLEvent): Promise<SignInAnswer> => {
  built ??= signInDepsFromEnv().then(createSignInHandler);
  try {
    return await (
      await built
    )(event);
  } catch (error) {
    built = undefined;
    throw error;
  }
};
