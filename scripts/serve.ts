// `npm run serve` (and `convirt --serve`, and `npm start` without Electron): browser mode.
// Builds the renderer when dist/renderer is missing, then prints the URL to open.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseServeArgs,
  SERVE_USAGE,
  startBrowserMode,
  type RunningBrowserMode,
  type ServeOptions,
} from '../app/main/browser-mode/browser-mode.js';
import { ConfigError } from '../app/main/config/index.js';

const root = join(import.meta.dirname, '..');
const rendererDir = join(root, 'dist/renderer');

/** `opened` gets the running server once its URL is printed (the launcher shows it in a window). */
export async function serve(
  argv: string[],
  opened?: (running: RunningBrowserMode) => void,
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(SERVE_USAGE);
    return 0;
  }
  let options: ServeOptions;
  try {
    options = parseServeArgs(argv);
  } catch (err) {
    console.error(`convirt: ${(err as Error).message}\n${SERVE_USAGE}`);
    return 2;
  }
  if (!existsSync(join(rendererDir, 'index.html'))) {
    console.error('convirt: building the page (dist/renderer) first...');
    // Loaded only here: the installed program ships the built page and no Vite.
    const { build: viteBuild } = await import('vite');
    await viteBuild({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
  }
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    version: string;
  };
  let running: RunningBrowserMode;
  try {
    running = await startBrowserMode({ ...options, rendererDir, version });
  } catch (err) {
    // A convirt.conf with an error: nothing started.
    if (err instanceof ConfigError) {
      console.error(`convirt: ${err.message}`);
      return 2;
    }
    throw err;
  }
  console.log(`ConVirt is running in browser mode. Open this URL (it works once):\n${running.url}`);
  if (options.localTerminal) console.log('The local terminal is enabled.');
  opened?.(running);
  const stop = () => void running.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return 0;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const code = await serve(process.argv.slice(2));
  if (code !== 0) process.exitCode = code;
}
