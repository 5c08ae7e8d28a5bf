// Copies a local file to a host through one exec channel (`cat >> FILE.part`), which is faster
// than SFTP's one request in flight. Resumable: an existing .part is continued from its size.
// The host checks the sha256 before the .part is renamed into place.
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { validateHostPath } from '../../shared/validation/names.js';
import type { RemoteShell } from '../ssh/ssh-connection.js';

export interface UploadOptions {
  size: number;
  sha256: string;
  /** Prefix for commands on hosts reached as a non-root user (`['sudo', '-n']`). */
  prefix?: readonly string[];
  signal?: AbortSignal;
  onProgress?: (sent: number, total: number) => void;
}

export interface UploadResult {
  /** Bytes already on the host from an earlier, interrupted upload. */
  resumedFrom: number;
  sent: number;
}

export class ChecksumMismatchError extends Error {
  constructor(path: string, expected: string, actual: string) {
    super(`Checksum mismatch for ${path}: expected ${expected}, the host computed ${actual}.`);
    this.name = 'ChecksumMismatchError';
  }
}

const APPEND = 'exec cat >> "$1"';

export async function uploadFile(
  shell: RemoteShell,
  localPath: string,
  remotePath: string,
  options: UploadOptions,
): Promise<UploadResult> {
  const prefix = options.prefix ?? [];
  const part = `${validateHostPath(remotePath)}.part`;
  const partSize = await remoteSize(shell, part, prefix);
  // A .part longer than the file cannot be a prefix of it: start again.
  const resumedFrom = partSize !== null && partSize <= options.size ? partSize : 0;
  if (partSize !== null && resumedFrom === 0) await shell.run([...prefix, 'rm', '-f', '--', part]);

  if (resumedFrom < options.size || partSize === null) {
    const channel = await shell.openChannel([...prefix, 'sh', '-c', APPEND, 'sh', part]);
    const exit = new Promise<number | null>((resolve) => {
      let code: number | null = null;
      channel.on('exit', (c: number | null) => (code = c));
      channel.on('close', () => resolve(code));
    });
    channel.resume();
    channel.stderr.resume();
    const source = createReadStream(localPath, { start: resumedFrom, highWaterMark: 1 << 20 });
    let sent = resumedFrom;
    source.on('data', (chunk) => {
      sent += chunk.length;
      options.onProgress?.(sent, options.size);
    });
    const onAbort = () => {
      source.destroy(new Error(`Cancelled: upload of ${localPath}`));
      channel.close();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await pipeline(source, channel);
      const code = await exit;
      if (code !== 0)
        throw new Error(`Writing ${part} on ${shell.target} failed (exit ${code ?? '?'}).`);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  const actual = (await shell.run([...prefix, 'sha256sum', '--', part])).split(' ')[0] ?? '';
  if (actual !== options.sha256) {
    await shell.run([...prefix, 'rm', '-f', '--', part]);
    throw new ChecksumMismatchError(remotePath, options.sha256, actual);
  }
  await shell.run([...prefix, 'mv', '-f', '--', part, remotePath]);
  return { resumedFrom, sent: options.size - resumedFrom };
}

/** Size of a file on the host, or null when it does not exist. */
export async function remoteSize(
  shell: RemoteShell,
  path: string,
  prefix: readonly string[] = [],
): Promise<number | null> {
  const r = await shell.exec([...prefix, 'stat', '-c', '%s', '--', path]);
  return r.code === 0 ? Number(r.stdout.trim()) : null;
}
