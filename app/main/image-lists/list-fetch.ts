// The manager fetches image lists itself, on this machine (not on a host): curl, through
// convirt.conf's http_proxy when one is set, the subscription's headers on its standard input so
// that no process list shows them. The bytes are kept exactly: a signature covers them.
import { spawn } from 'node:child_process';
import type { HttpHeader } from '../../shared/validation/download-source.js';
import { proxyEnvironment } from '../config/apply.js';

/** A list is a few kilobytes; anything this large is not one. */
const MAX_LIST_BYTES = 16 * 1024 * 1024;

export function fetchImageList(
  url: string,
  headers: readonly HttpHeader[],
  httpProxy: string | null,
): Promise<string> {
  const argv = [
    '--silent',
    '--show-error',
    '--fail',
    '--location',
    '--globoff',
    '--proto',
    '=http,https',
    '--max-time',
    '120',
    '--max-filesize',
    String(MAX_LIST_BYTES),
    '--header',
    '@-',
    '--',
    url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('curl', argv, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: proxyEnvironment(httpProxy),
    });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else
        reject(
          new Error(
            `The image list ${url} could not be fetched: ${stderr.trim() || `curl exited with ${code}`}`,
          ),
        );
    });
    child.stdin.end(headers.map((h) => `${h.name}: ${h.value}\n`).join(''));
  });
}
