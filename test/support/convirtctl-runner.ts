// convirtctl as an operator runs it, for integration tests: a real process with its own HOME (no
// ssh-agent, no user ssh files) and its own data folder.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestbedInfo } from '../bed/testbed.js';

const bin = join(import.meta.dirname, '../../bin/convirtctl.js');

export interface CtlRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `input` drives the child's stdin; without it, stdin is closed at once. */
export type Ctl = (
  args: string[],
  input?: (child: ChildProcessWithoutNullStreams) => void,
) => Promise<CtlRun>;

export function convirtctlRunner(options: {
  home: string;
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  /** The convirt.conf every run reads (`--config`); the defaults alone otherwise. */
  configFile?: string;
  /** Kills a run after this long, so a hung command (a console) fails its test instead of it. */
  timeoutMs?: number;
}): Ctl {
  return (args, input) =>
    new Promise((resolve) => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...options.env,
        HOME: options.home,
        CONVIRT_DATA_DIR: options.dataDir,
      };
      delete env.SSH_AUTH_SOCK;
      const config = options.configFile ? ['--config', options.configFile] : [];
      const child = spawn(process.execPath, [bin, ...config, ...args], { env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = options.timeoutMs ? setTimeout(() => child.kill(), options.timeoutMs) : null;
      child.on('close', (code) => {
        if (timer) clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      });
      if (input) input(child);
      else child.stdin.end();
    });
}

/** `host add NAME` for the test bed's sshd (its address, user and client key), plus `extra`. */
export function testbedHostAdd(
  bed: TestbedInfo,
  name: string,
  extra: string[] = [],
  address = `127.0.0.1:${bed.sshd.port}`,
): string[] {
  return [
    'host',
    'add',
    name,
    '--address',
    address,
    '--user',
    bed.sshd.username,
    '--identity',
    bed.sshd.clientKeyPath,
    ...extra,
  ];
}

/** A task as `convirtctl ... --json` prints it: the fields the tests read. */
export interface TaskJson {
  id: string;
  status: string;
  error: string | null;
}

/** The text of a task's log, line after line, from `task show ID --json`. */
export async function taskLogText(
  ctl: (args: string[]) => Promise<{ stdout: string }>,
  id: string,
): Promise<string> {
  const { log } = JSON.parse((await ctl(['task', 'show', id, '--json'])).stdout) as {
    log: Array<{ text: string }>;
  };
  return log.map((l) => l.text).join('\n');
}

/** Sessions the test bed's sshd has started so far (from its log): none new means none ran. */
export function sshSessionCount(bed: TestbedInfo): number {
  return (readFileSync(bed.sshd.logPath, 'utf8').match(/Starting session/g) ?? []).length;
}
