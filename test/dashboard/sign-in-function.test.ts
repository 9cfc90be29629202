/**
 * The AWS sign-in function's logic, run on plain inputs: the redirect to Cognito with a
 * PKCE challenge, the refusal of a callback that this browser did not start or whose ID
 * token does not verify, and CloudFront signed cookies that verify with the key pair's
 * public half, for data/at-risk* only, for 12 hours. Cognito itself has no emulator here:
 * a local HTTP server plays its token endpoint, and the ID tokens are signed with a test
 * key whose JWKS is given to aws-jwt-verify's real verifier.
 */
import { createHash, createSign, createVerify, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { APIGatewayProxyStructuredResultV2 as SignInAnswer, LambdaFunctionURLEvent } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { createSignInHandler } from '#handlers/dashboard/sign-in.ts';
import { SIGNED_COOKIE_SECONDS } from '#aws/dashboard/signed-cookies.ts';

const userPoolId = 'eu-west-1_TestPool';
const clientId = 'test-client-id';
const origin = 'https://d111111abcdef8.cloudfront.net';
const now = Date.UTC(2026, 11, 2, 4, 0, 0);
const cookieKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const tokenKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const strangerKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });

let tokenEndpoint: Server;
/** The ID token the stand-in token endpoint hands out next, and what it was asked. */
let nextIdToken = '';
let lastExchange: URLSearchParams | undefined;

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

function idToken(key: KeyObject, claims: Record<string, unknown> = {}): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', kid: 'test-key', typ: 'JWT' }));
  const payload = b64url(
    JSON.stringify({
      iss: `https://cognito-idp.eu-west-1.amazonaws.com/${userPoolId}`,
      aud: clientId,
      token_use: 'id',
      sub: 'person-1',
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 600,
      ...claims,
    }),
  );
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(key);
  return `${header}.${payload}.${b64url(signature)}`;
}

let handle: (event: LambdaFunctionURLEvent) => Promise<SignInAnswer>;

beforeAll(async () => {
  tokenEndpoint = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      lastExchange = new URLSearchParams(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id_token: nextIdToken, token_type: 'Bearer' }));
    });
  });
  await new Promise<void>((resolve) => tokenEndpoint.listen(0, '127.0.0.1', resolve));
  const verifier = CognitoJwtVerifier.create({ userPoolId, clientId, tokenUse: 'id' });
  const { n, e } = tokenKeys.publicKey.export({ format: 'jwk' });
  verifier.cacheJwks({ keys: [{ kty: 'RSA', n: String(n), e: String(e), kid: 'test-key', alg: 'RS256', use: 'sig' }] });
  handle = createSignInHandler({
    client: {
      cognitoDomain: `http://127.0.0.1:${(tokenEndpoint.address() as AddressInfo).port}`,
      clientId,
      redirectUri: `${origin}/auth/callback`,
    },
    signer: {
      origin,
      keyPairId: 'K2JCJMDEHXQW5F',
      privateKey: cookieKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    },
    verifyIdToken: (token) => verifier.verify(token),
    logger: new Logger({ logLevel: 'SILENT' }),
    now: () => now,
  });
});

afterAll(() => new Promise<void>((resolve) => tokenEndpoint.close(() => resolve())));

const request = (rawPath: string, query: Record<string, string> = {}, cookies: string[] = []) =>
  handle({
    rawPath,
    rawQueryString: new URLSearchParams(query).toString(),
    queryStringParameters: query,
    cookies,
  } as unknown as LambdaFunctionURLEvent);

/** Signs in as far as Cognito's redirect back: the flow cookie and the state it carries. */
async function started(): Promise<{ flowCookie: string; state: string; challenge: string }> {
  const start = await request('/auth/sign-in');
  const location = new URL(String(start.headers?.location));
  const flowCookie = String(start.cookies?.[0]).split(';')[0] ?? '';
  return {
    flowCookie,
    state: location.searchParams.get('state') ?? '',
    challenge: location.searchParams.get('code_challenge') ?? '',
  };
}

/** CloudFront's URL-safe base64 (+ → -, = → _, / → ~) back to bytes. */
const cloudFrontDecode = (value: string) =>
  Buffer.from(value.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64');

describe('the dashboard sign-in function', () => {
  it('sends the browser to the user pool with a PKCE challenge and keeps the verifier in a short-lived cookie', async () => {
    const start = await request('/auth/sign-in');
    expect(start.statusCode).toBe(302);
    const location = new URL(String(start.headers?.location));
    expect(location.pathname).toBe('/oauth2/authorize');
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: `${origin}/auth/callback`,
      code_challenge_method: 'S256',
    });
    const cookie = String(start.cookies?.[0]);
    expect(cookie).toMatch(/; Path=\/auth\/; Secure; HttpOnly; SameSite=Lax; Max-Age=600$/);
    const [state, verifier] = (cookie.split(';')[0] ?? '').split('=')[1]?.split('.') ?? [];
    expect(state).toBe(location.searchParams.get('state'));
    expect(location.searchParams.get('code_challenge')).toBe(
      createHash('sha256').update(String(verifier)).digest('base64url'),
    );
  });

  it('signs a verified person in with CloudFront cookies for data/at-risk* only, for 12 hours', async () => {
    const { flowCookie, state } = await started();
    nextIdToken = idToken(tokenKeys.privateKey);
    const done = await request('/auth/callback', { code: 'the-code', state }, [flowCookie]);
    expect(done.statusCode).toBe(302);
    expect(done.headers?.location).toBe('/#at-risk');
    expect(lastExchange?.get('code_verifier')).toBe(flowCookie.split('.')[1]);
    const cookies = Object.fromEntries(
      (done.cookies ?? []).map((c) => [c.slice(0, c.indexOf('=')), c.slice(c.indexOf('=') + 1)]),
    );
    for (const name of ['CloudFront-Policy', 'CloudFront-Signature', 'CloudFront-Key-Pair-Id'])
      expect(cookies[name]).toMatch(/; Path=\/data\/; Secure; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    const value = (name: string) => String(cookies[name]).split(';')[0] ?? '';
    const policy = cloudFrontDecode(value('CloudFront-Policy')).toString();
    expect(JSON.parse(policy)).toEqual({
      Statement: [
        {
          Resource: `${origin}/data/at-risk*`,
          Condition: { DateLessThan: { 'AWS:EpochTime': now / 1000 + SIGNED_COOKIE_SECONDS } },
        },
      ],
    });
    const signature = cloudFrontDecode(value('CloudFront-Signature'));
    expect(createVerify('RSA-SHA1').update(policy).verify(cookieKeys.publicKey, signature)).toBe(true);
    expect(value('CloudFront-Key-Pair-Id')).toBe('K2JCJMDEHXQW5F');
    expect(done.cookies?.some((c) => c.startsWith('retention_sign_in=;') && c.endsWith('Max-Age=0'))).toBe(true);
  });

  it('refuses an ID token it cannot verify: signed by another key, for another client, or not an ID token', async () => {
    for (const token of [
      idToken(strangerKeys.privateKey),
      idToken(tokenKeys.privateKey, { aud: 'another-client' }),
      idToken(tokenKeys.privateKey, { token_use: 'access' }),
      idToken(tokenKeys.privateKey, { exp: Math.floor(Date.now() / 1000) - 60 }),
    ]) {
      const { flowCookie, state } = await started();
      nextIdToken = token;
      const refused = await request('/auth/callback', { code: 'the-code', state }, [flowCookie]);
      expect(refused.statusCode).toBe(401);
      expect(refused.cookies?.some((c) => c.startsWith('CloudFront-'))).toBe(false);
    }
  });

  it('refuses a callback this browser did not start: no flow cookie, or another state', async () => {
    nextIdToken = idToken(tokenKeys.privateKey);
    const { flowCookie, state } = await started();
    lastExchange = undefined;
    expect((await request('/auth/callback', { code: 'c', state })).statusCode).toBe(400);
    expect((await request('/auth/callback', { code: 'c', state: `${state}x` }, [flowCookie])).statusCode).toBe(400);
    expect((await request('/auth/callback', { state }, [flowCookie])).statusCode).toBe(400);
    expect(lastExchange).toBeUndefined(); // Cognito was never asked
  });

  it('signs out by removing the cookies and sending the browser to the user pool to end its session', async () => {
    const out = await request('/auth/sign-out');
    expect(out.statusCode).toBe(302);
    const location = new URL(String(out.headers?.location));
    expect(location.pathname).toBe('/logout');
    expect(location.searchParams.get('logout_uri')).toBe(`${origin}/`);
    expect(out.cookies).toHaveLength(3);
    for (const cookie of out.cookies ?? []) expect(cookie).toMatch(/^CloudFront-[\w-]+=; Path=\/data\/;.*Max-Age=0$/);
    expect((await request('/auth/elsewhere')).statusCode).toBe(404);
  });
});
