// `npm start`: the desktop app in Electron. Electron's binary is fetched on first use from
// outside the npm registry; where that cannot work, say so plainly and fall back to browser mode
// shown in the best window this machine has (as the installed `convirt` does).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { chooseWindow, openWindow, windowArgs } from '../packaging/launcher/open-window.js';
import { serve } from './serve.js';

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

/**
 * Browser mode on this process's Node.js, shown with Electron (a window on the page), else
 * Chromium in app mode, else the default browser; stops when that window closes. Without any of
 * them (or with CONVIRT_WINDOW=none) it only prints the URL, as `npm run serve` does.
 */
export async function startWithWindow(argv: string[]): Promise<number> {
  const electronWindowScript = join(root, 'lib/electron-window.cjs');
  const choice = chooseWindow(electronWindowScript);
  if (!choice)
    say('no window here (no display, or no Electron, Chromium or xdg-open): open the URL below.');
  else say(`${choice.description} (${choice.command}).`);
  return serve(argv, (running) => {
    if (!choice) return;
    const args = windowArgs(choice, running.url, {
      electronWindowScript,
      chromiumProfile: join(tmpdir(), `convirt-window-${process.pid}`),
    });
    void openWindow(choice, args).then(async (code) => {
      // xdg-open hands the page to a browser and exits: the server keeps serving.
      if (choice.kind === 'browser' && code === 0) {
        say('serving until Ctrl+C.');
        return;
      }
      if (code !== 0) say(`${choice.command} exited with status ${code}.`);
      await running.close();
      process.exit(code === 0 ? 0 : 1);
    });
  });
}

function build(): boolean {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts/build.ts')], {
    cwd: root,
    stdio: 'inherit',
  });
  return result.status === 0;
}

/** `argv`: what the operator typed after `npm start --`, handed on to whichever mode starts. */
export async function start(argv: string[]): Promise<number> {
  const electron = findElectron();
  if ('reason' in electron) {
    say(`Electron cannot start here: ${electron.reason}.`);
    say('Starting browser mode instead.');
    return startWithWindow(argv);
  }
  if (!build()) {
    say('the build failed; see the messages above.');
    return 1;
  }
  // Chromium will not run as root with its sandbox on; as root, only the OS sandbox is dropped.
  const args = [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '.', ...argv];
  const child = spawn(electron.path, args, { cwd: root, stdio: 'inherit' });
  child.on('close', (code) => process.exit(code ?? 1));
  return 0;
}
