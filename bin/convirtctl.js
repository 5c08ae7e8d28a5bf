#!/usr/bin/env node
// Runs the TypeScript sources directly; a packaged build bundles them instead.
import { register } from 'tsx/esm/api';

register();
if (process.argv.slice(2).includes('--version')) {
  const { packageVersion } = await import('../packaging/launcher/version.ts');
  console.log(`convirtctl ${packageVersion(new URL('..', import.meta.url).pathname)}`);
  process.exit(0);
}
const { main } = await import('../app/main/cli/convirtctl.ts');
process.exitCode = await main(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  stdin: process.stdin,
  stdout: process.stdout,
  interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
});
