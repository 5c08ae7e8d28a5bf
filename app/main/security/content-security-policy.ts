// The page's Content Security Policy, one definition for the Electron window and browser mode:
// the page may load only its own files; no inline scripts, no remote content.

/** @param connect extra connect-src sources (browser mode's WebSocket origin). */
export function contentSecurityPolicy(connect: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    ["connect-src 'self'", ...connect].join(' '),
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}
