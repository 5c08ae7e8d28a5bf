#!/usr/bin/env node
// Runs the TypeScript sources directly; a packaged build bundles them instead.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../app/main/cli/convirtctl.ts');
process.exitCode = await main(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  stdin: process.stdin,
  stdout: process.stdout,
  interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
});
