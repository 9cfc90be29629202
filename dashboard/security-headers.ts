/**
 * The response headers the dashboard is served with, the same in CloudFront (the
 * construct's response headers policy) and in the local server, so the browser tests run
 * under the policy production enforces. The page loads only its own script, styles and
 * data; d3 sets styles through the CSSOM, which style-src does not restrict.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/** Browsers and caches keep data documents this long at most (CloudFront's data/* policy too). */
export const DATA_MAX_AGE_SECONDS = 5;
