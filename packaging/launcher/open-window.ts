// The installed `convirt` runs its main process on this machine's Node.js (browser mode) and
// shows the page in the best window it finds: Electron if installed, else the distribution's
// Chromium in app mode, else the default browser.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export type WindowKind = 'electron' | 'chromium' | 'browser';

export interface WindowChoice {
  kind: WindowKind;
  /** The program started with the page's URL. */
  command: string;
  /** What `convirt` says it does. */
  description: string;
}

/** Names under which distributions install each window program, best first. */
export const WINDOW_PROGRAMS: Record<WindowKind, readonly string[]> = {
  electron: ['electron'],
  chromium: ['chromium', 'chromium-browser'],
  browser: ['xdg-open'],
};

const DESCRIPTIONS: Record<WindowKind, string> = {
  electron: 'opening the window with Electron',
  chromium: "opening the window with Chromium in app mode (Electron isn't installed)",
  browser: 'opening the page in the default browser (neither Electron nor Chromium is installed)',
};

/** The first executable named `name` on PATH, or undefined. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The best window program installed, where there is a display; `CONVIRT_WINDOW`
 * (electron|chromium|browser) forces one, `CONVIRT_WINDOW=none` none. Electron counts only where
 * its window script is shipped.
 */
export function chooseWindow(
  electronWindowScript: string,
  env: NodeJS.ProcessEnv = process.env,
): WindowChoice | undefined {
  const forced = env.CONVIRT_WINDOW;
  if (forced === 'none') return undefined;
  // Without a display (an SSH session, a server) no window can open: browser mode is served only.
  if (!forced && !env.DISPLAY && !env.WAYLAND_DISPLAY) return undefined;
  const all: WindowKind[] = existsSync(electronWindowScript)
    ? ['electron', 'chromium', 'browser']
    : ['chromium', 'browser'];
  const kinds = all.filter((kind) => !forced || kind === forced);
  for (const kind of kinds) {
    for (const name of WINDOW_PROGRAMS[kind]) {
      const command = findOnPath(name, env.PATH);
      if (command) return { kind, command, description: DESCRIPTIONS[kind] };
    }
  }
  return undefined;
}

/** The command line that shows `url` with the chosen program. */
export function windowArgs(
  choice: WindowChoice,
  url: string,
  paths: { electronWindowScript: string; chromiumProfile: string },
): string[] {
  // Chromium will not run as root with its sandbox on; as root, only the OS sandbox is dropped.
  const asRoot = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  switch (choice.kind) {
    case 'electron':
      return [...asRoot, paths.electronWindowScript, url];
    case 'chromium':
      // Its own profile: a separate process whose exit means the window was closed.
      return [
        ...asRoot,
        `--user-data-dir=${paths.chromiumProfile}`,
        '--no-first-run',
        `--app=${url}`,
      ];
    case 'browser':
      return [url];
  }
}

/** Starts the window; resolves when its program exits (for xdg-open, right after handing over). */
export function openWindow(choice: WindowChoice, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(choice.command, args, { stdio: 'ignore' });
    child.on('error', () => resolve(127));
    child.on('close', (code) => resolve(code ?? 1));
  });
}
