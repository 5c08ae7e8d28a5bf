// The installed `convirt` (bundled into /usr/share/convirt/lib/convirt.js; /usr/bin/convirt runs
// it on the distribution's Node.js):
//   convirt [--port N] [--data-dir DIR] [--enable-local-terminal]   browser mode in a window
//   convirt --serve [...]                                            browser mode, URL printed
//   convirt --version
import { serve } from '../../scripts/serve.js';
import { startWithWindow } from '../../scripts/start.js';
import { join } from 'node:path';
import { packageVersion } from './version.js';

const argv = process.argv.slice(2);
if (argv.includes('--version')) {
  console.log(`convirt ${packageVersion(join(import.meta.dirname, '..'))}`);
} else if (argv.includes('--serve')) {
  process.exitCode = await serve(argv.filter((arg) => arg !== '--serve'));
} else {
  process.exitCode = await startWithWindow(argv);
}
