// Who may use browser mode: only a browser that opened the printed URL. Its one-time token is
// exchanged for an HttpOnly, SameSite=Strict session cookie; every other request needs that
// cookie. Host and Origin must name the loopback address and our port, so a web page whose DNS
// name was rebound to 127.0.0.1 (or any other site) is refused.
import { randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'convirt_session';

export type Verdict = { ok: true } | { ok: false; status: number; reason: string };

const OK: Verdict = { ok: true };
const refuse = (status: number, reason: string): Verdict => ({ ok: false, status, reason });

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
  private readonly hosts: Set<string>;
  private readonly origins: Set<string>;

  constructor(readonly port: number) {
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

  /** Whether the Cookie header carries this server's session. */
  checkCookie(cookieHeader: string | undefined): Verdict {
    const value = cookieValue(cookieHeader, SESSION_COOKIE);
    if (value !== undefined && sameSecret(value, this.session)) return OK;
    return refuse(401, 'Not signed in: open the URL with the token that ConVirt printed.');
  }

  /** Exchanges the one-time token for the Set-Cookie header value; null if it is not valid. */
  exchangeToken(token: string): string | null {
    if (this.token === null || !sameSecret(token, this.token)) return null;
    this.token = null;
    return `${SESSION_COOKIE}=${this.session}; HttpOnly; SameSite=Strict; Path=/`;
  }
}
