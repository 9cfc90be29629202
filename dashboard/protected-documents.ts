/**
 * Which site documents name users, and so are served only to signed-in people: CloudFront
 * requires its signed cookies on this path pattern (infra/constructs/dashboard-sign-in.ts),
 * and the local site server a session (infra/local/site-sign-in.ts). Everything else under
 * data/ (trees, model card, trends: aggregates) stays public.
 */
export const PROTECTED_DATA_PATTERN = 'data/at-risk*';

/** Where the page sends a person to sign in (a sign-in function in AWS, a hint locally). */
export const SIGN_IN_PATH = 'auth/sign-in';

/** Whether a site path (with or without its leading slash) falls under the protected pattern. */
export function isProtectedPath(path: string): boolean {
  const key = path.replace(/^\/+/, '');
  return key.startsWith(PROTECTED_DATA_PATTERN.slice(0, -1));
}
