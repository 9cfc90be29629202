/**
 * The local stand-in for signing in to the dashboard (AWS uses Cognito and CloudFront
 * signed cookies): as Jupyter does, the server mints a random token that `npm start`
 * prints inside the dashboard's address. Opening that address once trades the token for a
 * session cookie (HttpOnly, SameSite=Strict); the token is then spent.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const SESSION_COOKIE = 'retention_session';
/** How long a local session lasts: a working day. */
const SESSION_SECONDS = 12 * 60 * 60;

/** Hashing both sides first gives timingSafeEqual equal lengths, whatever a caller sends. */
const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

export class LocalSignIn {
  /** Digests of the tokens not used yet. */
  readonly #tokens: Buffer[] = [];
  /** Session digest (hex) → when it ends (ms); a lookup by digest tells nothing about a guess. */
  readonly #sessions = new Map<string, number>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** A new single-use token (256 random bits). */
  newToken(): string {
    const token = randomBytes(32).toString('base64url');
    this.#tokens.push(digest(token));
    return token;
  }

  /** Spends `token` and returns a new session id, or undefined when it is unknown or already spent. */
  redeem(token: string): string | undefined {
    const candidate = digest(token);
    // Compare with every token (no early exit), so the answer's timing says nothing about which matched.
    let match = -1;
    this.#tokens.forEach((known, i) => {
      if (timingSafeEqual(known, candidate)) match = i;
    });
    if (match < 0) return undefined;
    this.#tokens.splice(match, 1);
    const session = randomBytes(32).toString('base64url');
    this.#sessions.set(digest(session).toString('hex'), this.#now() + SESSION_SECONDS * 1000);
    return session;
  }

  /** Whether the request's Cookie header carries a live session. */
  isSignedIn(cookieHeader: string | undefined): boolean {
    const session = readCookie(cookieHeader, SESSION_COOKIE);
    if (session === undefined) return false;
    const key = digest(session).toString('hex');
    const ends = this.#sessions.get(key);
    if (ends === undefined) return false;
    if (ends > this.#now()) return true;
    this.#sessions.delete(key);
    return false;
  }
}

/** The Set-Cookie header value for a new session (no Secure: the local server speaks plain HTTP on loopback). */
export function sessionCookie(session: string): string {
  return `${SESSION_COOKIE}=${session}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_SECONDS}`;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
