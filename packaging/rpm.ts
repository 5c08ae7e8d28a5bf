// The .rpm for Fedora or SUSE, built with rpmbuild from the staged tree and the distribution's
// distros/<distro>/convirt.spec (its dependencies and scriptlets); this file adds the file list.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fillTemplate, type PackageValues } from './values.js';
import { listStaged, ownedDir, type StagedEntry } from './stage.js';

export function rpmArch(arch = process.arch): string {
  return ({ x64: 'x86_64', arm64: 'aarch64' } as Record<string, string>)[arch] ?? arch;
}

const mode = (e: StagedEntry) => e.mode.toString(8).padStart(4, '0');

/** The %files section: modes as staged, /etc/convirt.conf kept when an operator edited it. */
export function filesSection(entries: StagedEntry[]): string {
  const lines = ['%files'];
  for (const e of entries) {
    const path = `/${e.path}`;
    if (e.type === 'dir') {
      if (ownedDir(e.path)) lines.push(`%dir %attr(${mode(e)},root,root) "${path}"`);
    } else if (e.type === 'link') lines.push(`"${path}"`);
    else if (path === '/etc/convirt.conf')
      lines.push(`%config(noreplace) %attr(0644,root,root) ${path}`);
    else lines.push(`%attr(${mode(e)},root,root) "${path}"`);
  }
  return lines.join('\n');
}

export function buildRpm(
  distro: 'fedora' | 'suse',
  stageDir: string,
  workDir: string,
  outDir: string,
  values: PackageValues,
): string {
  const common = [
    '%install',
    'mkdir -p %{buildroot}',
    `cp -a '${stageDir}/.' %{buildroot}/`,
    '',
    filesSection(listStaged(stageDir)),
    '',
  ].join('\n');
  const spec = join(workDir, 'convirt.spec');
  mkdirSync(workDir, { recursive: true });
  writeFileSync(
    spec,
    fillTemplate(readFileSync(join(values.root, 'distros', distro, 'convirt.spec'), 'utf8'), {
      ...values.fields,
      ARCH: rpmArch(),
      COMMON: common,
    }),
  );
  const rpmDir = join(outDir, distro);
  execFileSync(
    'rpmbuild',
    [
      '-bb',
      '--quiet',
      '--define',
      `_topdir ${join(workDir, 'rpmbuild')}`,
      '--define',
      `_rpmdir ${rpmDir}`,
      '--define',
      '_build_name_fmt %{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}.rpm',
      // The tree is already built: no stripping, debug packages or build-id links.
      '--define',
      '__os_install_post %{nil}',
      '--define',
      'debug_package %{nil}',
      '--define',
      '_build_id_links none',
      '--define',
      'dist %{nil}',
      '--target',
      rpmArch(),
      spec,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const built = readdirSync(rpmDir).find((f) => f.endsWith('.rpm'));
  if (!built) throw new Error(`rpmbuild made no package in ${rpmDir}`);
  return join(rpmDir, built);
}
