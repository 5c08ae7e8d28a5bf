// Help: the local documentation opened with convirt.conf's html_browser, xdg-open when that
// program cannot be started. The documentation is the program's own: doc/ of an installed
// package, the checkout's README otherwise.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { currentProgram } from '../config/index.js';

export const HELP_FALLBACK = 'xdg-open';

/** The documentation's front page, or null when the program's folder has none. */
export function helpDocument(root: string | null = currentProgram().root): string | null {
  if (!root) return null;
  const candidates = [join(root, 'doc', 'README.md'), join(root, 'README.md')];
  return candidates.find((path) => existsSync(path)) ?? null;
}

/** Starts `program DOCUMENT` detached; resolves once it runs, rejects if it cannot start. */
function launch(program: string, document: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, [document], { detached: true, stdio: 'ignore' });
    child.once('error', reject);
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

/** Opens the documentation; says with which program (html_browser, or the fallback). */
export async function openHelp(
  htmlBrowser: string,
  document: string | null = helpDocument(),
  fallback = HELP_FALLBACK,
): Promise<{ program: string; document: string }> {
  if (!document) throw new Error('This ConVirt has no local documentation (no doc/ or README.md).');
  try {
    await launch(htmlBrowser, document);
    return { program: htmlBrowser, document };
  } catch (first) {
    if (htmlBrowser === fallback) throw first;
    await launch(fallback, document).catch(() => {
      throw new Error(
        `Could not start ${htmlBrowser} (html_browser in convirt.conf) nor ${fallback} to open ${document}.`,
      );
    });
    return { program: fallback, document };
  }
}
