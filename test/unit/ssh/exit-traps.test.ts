// A host script's cleanup runs to its end even when a second signal comes while it runs: ConVirt
// stops a channel with TERM and then closes it, which brings HUP or PIPE.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanupOnExit } from '../../../app/main/ssh/exit-traps.js';

const shells = [['sh'], ['busybox', 'sh'], ['bash']].filter(
  ([command]) =>
    command === 'sh' || existsSync(`/usr/bin/${command}`) || existsSync(`/bin/${command}`),
);

const until = async (done: () => boolean) => {
  while (!done()) await new Promise((r) => setTimeout(r, 10));
};

for (const shell of shells) {
  for (const second of ['TERM', 'HUP', 'PIPE'] as const) {
    test(`in ${shell.join(' ')}, a ${second} during cleanup does not cut it short`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'convirt-traps-'));
      try {
        // The cleanup says it started, then takes long enough for the second signal to land in it.
        const script = `${cleanupOnExit(': >"$1/cleaning"; sleep 0.3; rm -f "$1/made"')}
: >"$1/made"
sleep 30 & echo $! >"$1/sleeper"; wait $!`;
        // No pipes: the sleep, which outlives the shell, would hold them open.
        const child = spawn(shell[0]!, [...shell.slice(1), '-c', script, 'sh', dir], {
          stdio: 'ignore',
        });
        const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
        await until(() => existsSync(join(dir, 'sleeper')));
        child.kill('SIGTERM');
        await until(() => existsSync(join(dir, 'cleaning')));
        child.kill(`SIG${second}`);
        assert.equal(await exited, 143);
        assert.equal(existsSync(join(dir, 'made')), false, 'the cleanup ran to its end');
      } finally {
        const sleeper = join(dir, 'sleeper');
        if (existsSync(sleeper)) {
          try {
            process.kill(Number(readFileSync(sleeper, 'utf8')));
          } catch {
            // already gone
          }
        }
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

test('a cleanup holding a single quote is refused, not pasted into the trap', () => {
  assert.throws(() => cleanupOnExit("rm -rf '/tmp/x'"), /single quote/);
});
