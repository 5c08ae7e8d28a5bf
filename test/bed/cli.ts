// `npm run testbed:setup`: installs and starts what the integration tests need, builds the tiny
// VM fixture, and leaves the daemons running.
import { ensureAppliances, ensureTinyVm, prepareSystem } from './testbed.js';

const log = (line: string) => process.stderr.write(`[testbed] ${line}\n`);
const [command] = process.argv.slice(2);
if (command !== 'setup') {
  log('usage: tsx test/bed/cli.ts setup');
  process.exit(2);
}
await prepareSystem(log);
const fixture = await ensureTinyVm(log);
await ensureAppliances(fixture, log);
log(`ready: tiny VM kernel ${fixture.kernelVersion}`);
