// exec_path around a command, run here by the same sh and env a host has: a program reachable
// only through a folder named in exec_path is found; $PATH keeps the login's own PATH.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { proxyEnvironment, withExecPath } from '../../../app/main/config/index.js';

/** Runs an argument list as sshd would hand it to the login's shell. */
function runAsHost(argv: string[], loginPath: string): string {
  const quoted = argv.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
  return execFileSync('/bin/sh', ['-c', quoted], {
    env: { PATH: loginPath },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const TOOL = 'convirt-exec-path-probe';

function folderWithTool(): string {
  const dir = mkdtempSync(join(tmpdir(), 'exec-path-test-'));
  // Stands for a host's virsh in a folder off the login PATH; reports the PATH it ran with.
  writeFileSync(join(dir, TOOL), `#!/bin/sh\necho "${TOOL} ran with PATH=$PATH"\n`, {
    mode: 0o755,
  });
  return dir;
}

test('a literal exec_path: the command is found through it alone', () => {
  const tools = folderWithTool();
  const argv = withExecPath(`${tools}:/usr/bin:/bin`, [TOOL, 'list']);
  assert.deepEqual(argv, ['env', `PATH=${tools}:/usr/bin:/bin`, TOOL, 'list']);
  assert.equal(runAsHost(argv, '/usr/bin:/bin'), `${TOOL} ran with PATH=${tools}:/usr/bin:/bin\n`);
  assert.throws(() => runAsHost([TOOL, 'list'], '/usr/bin:/bin'), /not found/);
});

test('$PATH in exec_path stands for the login PATH, before and after other folders', () => {
  const tools = folderWithTool();
  const argv = withExecPath(`/opt/first:$PATH:${tools}`, [TOOL]);
  assert.equal(argv[0], 'sh');
  assert.equal(
    runAsHost(argv, '/usr/bin:/bin'),
    `${TOOL} ran with PATH=/opt/first:/usr/bin:/bin:${tools}\n`,
  );
  assert.equal(
    runAsHost(withExecPath(`$PATH:${tools}`, [TOOL]), '/usr/bin:/bin'),
    `${TOOL} ran with PATH=/usr/bin:/bin:${tools}\n`,
  );
  // Arguments stay arguments: nothing in them reaches a shell.
  const odd = runAsHost(
    withExecPath('$PATH', ['printf', '%s|', 'a b', '$(id)', "'"]),
    '/usr/bin:/bin',
  );
  assert.equal(odd, "a b|$(id)|'|");
});

test('http_proxy sets the proxy variables curl reads for ConVirt’s own downloads', () => {
  const base = { PATH: '/usr/bin', https_proxy: 'http://old:1' };
  assert.equal(proxyEnvironment(null, base), base);
  assert.deepEqual(proxyEnvironment('http://proxy:3128', base), {
    PATH: '/usr/bin',
    http_proxy: 'http://proxy:3128',
    https_proxy: 'http://proxy:3128',
  });
});
