#!/usr/bin/env node
// `convirt` starts the desktop app (falling back to browser mode without Electron);
// `convirt --serve [--port N] [--data-dir DIR]` starts browser mode directly.
import { register } from 'tsx/esm/api';

register();
const argv = process.argv.slice(2);
if (argv.includes('--serve')) {
  const { serve } = await import('../scripts/serve.ts');
  process.exitCode = await serve(argv.filter((arg) => arg !== '--serve'));
} else {
  const { start } = await import('../scripts/start.ts');
  process.exitCode = await start(argv);
}
