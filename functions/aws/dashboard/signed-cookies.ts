/**
 * CloudFront signed cookies for the documents that name users: a custom policy limited to
 * the protected path pattern of this one distribution and to a few hours, signed with the
 * private key of the distribution's trusted key group by AWS's own signer.
 */
import { getSignedCookies } from '@aws-sdk/cloudfront-signer';
import { PROTECTED_DATA_PATTERN } from '#dashboard/protected-documents.ts';

/** How long a sign-in lasts: a working day. */
export const SIGNED_COOKIE_SECONDS = 12 * 60 * 60;

const COOKIE_NAMES = ['CloudFront-Policy', 'CloudFront-Signature', 'CloudFront-Key-Pair-Id'] as const;

/** Only requests for data/ carry them; scripts never see them; no other site ever sends them. */
const ATTRIBUTES = 'Path=/data/; Secure; HttpOnly; SameSite=Strict';

export interface CookieSigner {
  /** https://<distribution domain>, no trailing slash. */
  readonly origin: string;
  readonly keyPairId: string;
  readonly privateKey: string;
}

/** The three Set-Cookie values that let this browser read the protected documents until `now` + 12 h. */
export function signedCookies(signer: CookieSigner, now: number): string[] {
  const expires = Math.floor(now / 1000) + SIGNED_COOKIE_SECONDS;
  const policy = JSON.stringify({
    Statement: [
      {
        Resource: `${signer.origin}/${PROTECTED_DATA_PATTERN}`,
        Condition: { DateLessThan: { 'AWS:EpochTime': expires } },
      },
    ],
  });
  const cookies = getSignedCookies({ policy, keyPairId: signer.keyPairId, privateKey: signer.privateKey });
  return COOKIE_NAMES.map((name) => {
    const value = cookies[name];
    if (!value) throw new Error(`the CloudFront signer gave no ${name}`);
    return `${name}=${value}; ${ATTRIBUTES}; Max-Age=${SIGNED_COOKIE_SECONDS}`;
  });
}

/** Set-Cookie values that remove the signed cookies (signing out). */
export function clearedCookies(): string[] {
  return COOKIE_NAMES.map((name) => `${name}=; ${ATTRIBUTES}; Max-Age=0`);
}
