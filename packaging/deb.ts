// The .deb, built with Debian's own dpkg-deb from the staged tree and distros/ubuntu/.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fillTemplate, type PackageValues } from './values.js';
import { listStaged } from './stage.js';

export const DEB_HOOKS = ['postinst', 'prerm', 'postrm'] as const;

export function debArch(arch = process.arch): string {
  return ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[arch] ?? arch;
}

/** Packs `stageDir` (which gains a DEBIAN/ folder) into `outDir`; returns the .deb's path. */
export function buildDeb(stageDir: string, outDir: string, values: PackageValues): string {
  const distroDir = join(values.root, 'distros/ubuntu');
  const files = listStaged(stageDir).filter((e) => e.type === 'file');
  const sizeKiB = Math.ceil(
    files.reduce((sum, e) => sum + readFileSync(join(stageDir, e.path)).length, 0) / 1024,
  );
  const control = join(stageDir, 'DEBIAN');
  mkdirSync(control, { recursive: true });
  writeFileSync(
    join(control, 'control'),
    fillTemplate(readFileSync(join(distroDir, 'control'), 'utf8'), {
      ...values.fields,
      ARCH: debArch(),
      INSTALLED_SIZE: String(sizeKiB),
    }),
  );
  // dpkg keeps an operator's edits of a conffile across upgrades and removes it only on purge.
  writeFileSync(join(control, 'conffiles'), '/etc/convirt.conf\n');
  writeFileSync(
    join(control, 'md5sums'),
    files
      .map(
        (e) =>
          `${createHash('md5')
            .update(readFileSync(join(stageDir, e.path)))
            .digest('hex')}  ${e.path}\n`,
      )
      .join(''),
  );
  for (const hook of DEB_HOOKS) {
    copyFileSync(join(distroDir, hook), join(control, hook));
    chmodSync(join(control, hook), 0o755);
  }
  for (const name of ['control', 'conffiles', 'md5sums']) chmodSync(join(control, name), 0o644);
  chmodSync(control, 0o755);
  mkdirSync(outDir, { recursive: true });
  const deb = join(outDir, `convirt_${values.fields.VERSION}_${debArch()}.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stageDir, deb], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return deb;
}
