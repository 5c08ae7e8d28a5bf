// ConVirt's own downloads run here, on this machine, with the same download script the hosts
// run: a child process fed on standard input, its progress lines followed as they come.
import { spawn } from 'node:child_process';

/**
 * Runs an argument list here, without a shell of ours: argv[0] is the program. Aborting sends it
 * SIGTERM (the download script stops curl and removes its .part).
 */
export function runLocally(
  argv: readonly string[],
  stdin: string,
  onLine: (line: string) => void = () => {},
  signal?: AbortSignal,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env });
    // Resolved only once it has exited, so its cleanup is over when the caller looks.
    const stop = () => child.kill('SIGTERM');
    if (signal?.aborted) stop();
    signal?.addEventListener('abort', stop, { once: true });
    child.on('close', () => signal?.removeEventListener('abort', stop));
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      const lines = (stdout + d.toString()).split('\n');
      stdout = lines.pop() ?? '';
      lines.forEach(onLine);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
    child.stdin.end(stdin);
  });
}
