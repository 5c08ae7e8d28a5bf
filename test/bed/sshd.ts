// An sshd of the test bed's own: loopback only, its own host key, config and client key.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { isAlive, mustRun, waitFor } from './process.js';

export interface TestSshdInfo {
  host: '127.0.0.1';
  port: number;
  username: string;
  pid: number;
  /** OpenSSH's own rendering of the host key fingerprint (`ssh-keygen -l -E sha256`). */
  hostKeyFingerprint: string;
  hostPublicKey: string;
  clientKeyPath: string;
  logPath: string;
  dir: string;
  /** `<userKeysDir>/<user>/authorized_keys` lets tests log in as users they create. */
  userKeysDir: string;
  /**
   * The same sshd, but every session first sleeps the seconds written in slowLoginSecondsFile,
   * as on a host whose login shell starts slowly (.bashrc, motd scripts, NFS home folders).
   */
  slowLoginPort: number;
  slowLoginSecondsFile: string;
  /** Whether this sshd's sessions skip the login user's ~/.bashrc (SshdOptions). */
  bashrcMasked: boolean;
  /** The command that started this sshd: a restart runs it again. */
  command: string[];
}

/** What a session on the slow-login port sleeps until a test writes another value. */
export const DEFAULT_SLOW_LOGIN_SECONDS = 3;

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function keygen(path: string): Promise<void> {
  await mustRun('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    'convirt-testbed',
    '-f',
    path,
  ]);
}

/** Users whose names start with this may log in with a password (the password auth test). */
export const PASSWORD_USER_PREFIX = 'cvp';

export interface SshdOptions {
  /**
   * Let sessions read the login user's ~/.bashrc as the machine has it (default: they do not).
   * The simulated hosts are not the developer's shell: on the test machine root's ~/.bashrc runs
   * `pyenv init` and `pyenv rehash`, about 0.85 s of CPU per session, and a session killed by a
   * fault test during `pyenv rehash` leaves its lock file behind, after which every login waits
   * 60 s for it (a whole CI run failed that way). bash reads ~/.bashrc for a command from sshd
   * only when it is the top-level shell, so sshd gives its sessions SHLVL=1 (SetEnv). Slow login
   * shells are tested on purpose through slowLoginPort.
   */
  machineBashrc?: boolean;
}

/** Starts sshd in `dir` (created) on a free loopback port. Stop it with stopSshd(pid). */
export async function startSshd(
  dir: string,
  userKeysDir = `${dir}-users`,
  options: SshdOptions = {},
): Promise<TestSshdInfo> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // sshd reads a user's keys as that user: this folder must be traversable by everyone.
  mkdirSync(userKeysDir, { recursive: true, mode: 0o755 });
  // sshd refuses to start without its privilege separation directory.
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = join(dir, 'host_ed25519');
  const clientKey = join(dir, 'client_ed25519');
  await keygen(hostKey);
  await keygen(clientKey);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`), { mode: 0o600 });
  const fingerprint = (
    await mustRun('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`])
  ).split(' ')[1]!;

  const logPath = join(dir, 'sshd.log');
  const slowLoginSecondsFile = join(dir, 'slow-login-seconds');
  writeFileSync(slowLoginSecondsFile, `${DEFAULT_SLOW_LOGIN_SECONDS}\n`);
  for (let attempt = 0; ; attempt++) {
    const port = await freeLoopbackPort();
    const slowLoginPort = await freeLoopbackPort();
    const config = join(dir, 'sshd_config');
    writeFileSync(
      config,
      [
        `Port ${port}`,
        `Port ${slowLoginPort}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${hostKey}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')} ${join(userKeysDir, '%u', 'authorized_keys')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        // The key files live in a temporary folder, not a home directory.
        'StrictModes no',
        // Many simulated hosts connect at once in the benchmarks.
        'MaxStartups 200:30:400',
        'Subsystem sftp internal-sftp',
        'LogLevel VERBOSE',
        // bash then counts itself a nested shell and reads no ~/.bashrc (SshdOptions).
        ...(options.machineBashrc ? [] : ['SetEnv SHLVL=1']),
        // Password logins only for users a test creates for that (cvp<pid>); Match blocks come last.
        `Match User ${PASSWORD_USER_PREFIX}*`,
        '  PasswordAuthentication yes',
        // The command runs after the sleep, as the login shell would have run it.
        `Match LocalPort ${slowLoginPort}`,
        `  ForceCommand sleep "$(cat ${slowLoginSecondsFile})"; eval "$SSH_ORIGINAL_COMMAND"`,
        '',
      ].join('\n'),
    );
    const command = ['/usr/sbin/sshd', '-D', '-e', '-f', config, '-E', logPath];
    const pid = spawnSshd(command);
    const up = await waitFor(
      `sshd on 127.0.0.1:${port}`,
      async () =>
        !isAlive(pid)
          ? false
          : (await accepts(port)) && (await accepts(slowLoginPort))
            ? true
            : undefined,
      10_000,
      50,
    );
    if (up) {
      return {
        host: '127.0.0.1',
        port,
        username: userInfo().username,
        pid,
        hostKeyFingerprint: fingerprint,
        hostPublicKey: readFileSync(`${hostKey}.pub`, 'utf8').trim(),
        clientKeyPath: clientKey,
        logPath,
        dir,
        userKeysDir,
        slowLoginPort,
        slowLoginSecondsFile,
        bashrcMasked: !options.machineBashrc,
        command,
      };
    }
    // Lost the race for the port to someone else: pick another.
    if (attempt >= 3) throw new Error(`sshd did not start; see ${logPath}`);
  }
}

/** Starts an sshd `command` detached; returns its PID. */
export function spawnSshd(command: string[]): number {
  const [file, ...args] = command;
  const child = spawn(file!, args, { stdio: 'ignore', detached: true });
  child.unref();
  return child.pid!;
}

export function stopSshd(pid: number): void {
  if (isAlive(pid)) process.kill(pid, 'SIGTERM');
}
