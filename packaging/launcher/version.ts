// The program's version, from the package.json in `root` (the checkout, or /usr/share/convirt
// where the bundles sit in lib/).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function packageVersion(root: string): string {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    version: string;
  };
  return version;
}
