// Who may use browser mode: only a browser that opened the printed URL. Its one-time token is
// exchanged for an HttpOnly, SameSite=Strict session cookie; every other request needs that
// cookie. Host and Origin must name the loopback address and our port, so a web page whose DNS
// name was rebound to 127.0.0.1 (or any other site) is refused. Wrong tokens and cookies are
// counted: past a few a minute, no secret is even compared until the count falls again.
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** The session cookie's name starts so; each server adds its own random part (see cookieName). */
export const SESSION_COOKIE = 'convirt_session';

export type Refusal = {
  ok: false;
  status: number;
  reason: string;
  /** For 429: when to try again. */
  retryAfterSeconds?: number;
};
export type Verdict = { ok: true } | Refusal;
export type TokenVerdict = { ok: true; setCookie: string } | Refusal;

const OK: Verdict = { ok: true };
const refuse = (status: number, reason: string): Refusal => ({ ok: false, status, reason });

/** Wrong secrets allowed per window; a guess of 256 random bits has no chance, this caps the noise. */
export const GUESS_LIMIT = { max: 10, windowMs: 60_000 };

/** Counts failed guesses over a sliding window; the clock is injectable for tests. */
export class GuessLimiter {
  private failures: number[] = [];

  constructor(
    private readonly limit = GUESS_LIMIT,
    private readonly now: () => number = Date.now,
  ) {}

  /** Null while guesses may be checked, else the seconds until one may. */
  blockedForSeconds(): number | null {
    const now = this.now();
    this.failures = this.failures.filter((at) => now - at < this.limit.windowMs);
    if (this.failures.length < this.limit.max) return null;
    return Math.ceil((this.failures[0]! + this.limit.windowMs - now) / 1000);
  }

  failed(): void {
    this.failures.push(this.now());
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export class AccessGate {
  private token: string | null = randomBytes(32).toString('base64url');
  private readonly session = randomBytes(32).toString('base64url');
  /**
   * Per server: a tab left open from an earlier run (same port) then sends no cookie of this
   * name, so its reconnection attempts are not counted as guesses.
   */
  readonly cookieName = `${SESSION_COOKIE}_${randomBytes(6).toString('hex')}`;
  private readonly hosts: Set<string>;
  private readonly origins: Set<string>;

  constructor(
    readonly port: number,
    private readonly guesses = new GuessLimiter(),
  ) {
    this.hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
    this.origins = new Set([...this.hosts].map((host) => `http://${host}`));
  }

  /** The URL to print: it carries the one-time token. */
  get startUrl(): string {
    if (this.token === null) throw new Error('The one-time token has been used.');
    return `http://127.0.0.1:${this.port}/?token=${this.token}`;
  }

  /** The Origins a WebSocket may come from, for the CSP's connect-src. */
  get webSocketOrigins(): string[] {
    return [...this.hosts].map((host) => `ws://${host}`);
  }

  /**
   * Checks Host, and Origin when given (browsers send it on cross-site requests and on every
   * WebSocket); `requireOrigin` for WebSockets.
   */
  checkHeaders(host: string | undefined, origin: string | undefined, requireOrigin: boolean) {
    if (!host || !this.hosts.has(host.toLowerCase())) {
      return refuse(421, 'Wrong Host header: use the address ConVirt printed.');
    }
    if (origin === undefined ? requireOrigin : !this.origins.has(origin.toLowerCase())) {
      return refuse(403, 'Requests from other sites are refused.');
    }
    return OK;
  }

  /** Whether the Cookie header carries this server's session (no cookie is not a guess). */
  checkCookie(cookieHeader: string | undefined): Verdict {
    const value = cookieValue(cookieHeader, this.cookieName);
    if (value === undefined) return refuse(401, NOT_SIGNED_IN);
    return this.guess(() => sameSecret(value, this.session), 401, NOT_SIGNED_IN);
  }

  /** Exchanges the one-time token for the Set-Cookie header value. */
  exchangeToken(token: string): TokenVerdict {
    const verdict = this.guess(
      () => this.token !== null && sameSecret(token, this.token),
      403,
      'This token is not valid (it works only once).',
    );
    if (!verdict.ok) return verdict;
    this.token = null;
    return {
      ok: true,
      setCookie: `${this.cookieName}=${this.session}; HttpOnly; SameSite=Strict; Path=/`,
    };
  }

  /** Compares a presented secret unless too many were wrong lately; a wrong one is counted. */
  private guess(matches: () => boolean, status: number, reason: string): Verdict {
    const wait = this.guesses.blockedForSeconds();
    if (wait !== null) {
      return {
        ...refuse(429, `Too many wrong tokens or cookies: try again in ${wait} s.`),
        retryAfterSeconds: wait,
      };
    }
    if (matches()) return OK;
    this.guesses.failed();
    return refuse(status, reason);
  }
}

const NOT_SIGNED_IN = 'Not signed in: open the URL with the token that ConVirt printed.';
