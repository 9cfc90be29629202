/**
 * The authorization-code flow with PKCE against a Cognito user pool's managed sign-in
 * pages: the address to send a browser to, the short-lived cookie that carries the state
 * and the PKCE verifier across the round trip, and the exchange of the code for an ID token
 * (a public client: no client secret exists to be kept).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface CognitoClient {
  /** https://<prefix>.auth.<region>.amazoncognito.com */
  readonly cognitoDomain: string;
  readonly clientId: string;
  /** https://<distribution domain>/auth/callback, as registered on the app client. */
  readonly redirectUri: string;
}

const FLOW_COOKIE = 'retention_sign_in';
/** The flow cookie travels only to /auth/ and lives ten minutes; Lax, since Cognito's redirect back is cross-site. */
const FLOW_ATTRIBUTES = 'Path=/auth/; Secure; HttpOnly; SameSite=Lax';

export interface SignInStart {
  readonly location: string;
  readonly cookie: string;
}

const base64url = (bytes: Buffer) => bytes.toString('base64url');

export function startSignIn(client: CognitoClient): SignInStart {
  const state = base64url(randomBytes(24));
  const verifier = base64url(randomBytes(48));
  const challenge = base64url(createHash('sha256').update(verifier).digest());
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    scope: 'openid email',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  return {
    location: `${client.cognitoDomain}/oauth2/authorize?${query}`,
    cookie: `${FLOW_COOKIE}=${state}.${verifier}; ${FLOW_ATTRIBUTES}; Max-Age=600`,
  };
}

export const clearedFlowCookie = `${FLOW_COOKIE}=; ${FLOW_ATTRIBUTES}; Max-Age=0`;

/** The PKCE verifier when the callback's state is the one this browser's flow cookie holds. */
export function verifierFor(state: string | undefined, cookies: readonly string[]): string | undefined {
  const flow = cookies.find((c) => c.startsWith(`${FLOW_COOKIE}=`))?.slice(FLOW_COOKIE.length + 1);
  const [expected, verifier] = (flow ?? '').split('.');
  if (!state || !expected || !verifier) return undefined;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(state), digest(expected)) ? verifier : undefined;
}

/** Exchanges the authorization code at Cognito's token endpoint; the ID token, still to be verified. */
export async function exchangeCode(client: CognitoClient, code: string, verifier: string): Promise<string> {
  const response = await fetch(`${client.cognitoDomain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: client.clientId,
      code,
      redirect_uri: client.redirectUri,
      code_verifier: verifier,
    }),
  });
  const body = (await response.json().catch(() => ({}))) as { id_token?: string; error?: string };
  if (!response.ok || !body.id_token)
    throw new Error(`Cognito refused the code: HTTP ${response.status} ${body.error ?? ''}`.trim());
  return body.id_token;
}
