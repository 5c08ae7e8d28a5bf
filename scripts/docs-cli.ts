// `npm run docs:cli`: writes docs/cli.md from convirtctl's command table.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliDoc } from '../app/main/cli/cli-doc.js';
import { COMMANDS } from '../app/main/cli/commands/index.js';

const file = join(import.meta.dirname, '..', 'docs', 'cli.md');
writeFileSync(file, cliDoc(COMMANDS));
console.log(`Wrote ${file}`);
