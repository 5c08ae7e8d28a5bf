// `npm start`: the desktop app in Electron. Electron's binary is fetched on first use from
// outside the npm registry; where that cannot work, say so plainly and fall back to browser mode.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

function say(line: string): void {
  process.stderr.write(`convirt: ${line}\n`);
}

/** The Electron executable, downloading it if needed; or why there is none. */
function findElectron(): { path: string } | { reason: string } {
  if (!existsSync(join(root, 'node_modules/electron/package.json'))) {
    return { reason: "the electron package is not installed (run 'npm ci')" };
  }
  const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(require('electron'))"], {
    cwd: root,
    encoding: 'utf8',
    timeout: 180_000,
  });
  const path = probe.stdout.trim();
  if (probe.status === 0 && path && existsSync(path)) return { path };
  // The downloader's own error line (e.g. "TypeError: fetch failed") says why.
  const output = `${probe.stdout}\n${probe.stderr}`;
  const detail = /^(\w*Error: .*)$/m.exec(output)?.[1] ?? (probe.error?.message || 'no detail');
  return { reason: `its binary could not be downloaded (${detail || 'no detail'})` };
}

/** What the operator typed after `npm start --`, handed on to whichever mode starts. */
const passedArgs = process.argv.slice(2);

function startBrowserMode(): number {
  const serve = join(root, 'scripts/serve.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', serve, ...passedArgs], {
    cwd: root,
    stdio: 'inherit',
  });
  child.on('close', (code) => process.exit(code ?? 1));
  return 0;
}

function build(): boolean {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts/build.ts')], {
    cwd: root,
    stdio: 'inherit',
  });
  return result.status === 0;
}

function main(): number {
  const electron = findElectron();
  if ('reason' in electron) {
    say(`Electron cannot start here: ${electron.reason}.`);
    say('Starting browser mode instead.');
    return startBrowserMode();
  }
  if (!build()) {
    say('the build failed; see the messages above.');
    return 1;
  }
  // Chromium will not run as root with its sandbox on; as root, only the OS sandbox is dropped.
  const args = [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '.', ...passedArgs];
  const child = spawn(electron.path, args, { cwd: root, stdio: 'inherit' });
  child.on('close', (code) => process.exit(code ?? 1));
  return 0;
}

const code = main();
if (code !== 0) process.exitCode = code;
