// A scratch machine for convirt.conf tests: a home, a working folder, a stand-in for
// /etc/convirt.conf and an installed-layout root, all in one temporary folder.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadConfig, type LoadConfigOptions } from '../../../app/main/config/index.js';

export interface ConfigFixture {
  root: string;
  home: string;
  cwd: string;
  systemFile: string;
  installedRoot: string;
  /** A program folder without an image store of its own (as installed under /usr/share). */
  programRoot: string;
  write(path: string, text: string, mode?: number): string;
  load(options?: LoadConfigOptions): ReturnType<typeof loadConfig>;
}

export function configFixture(): ConfigFixture {
  const root = mkdtempSync(join(tmpdir(), 'convirt-config-test-'));
  const f = {
    root,
    home: join(root, 'home'),
    cwd: join(root, 'work'),
    systemFile: join(root, 'etc', 'convirt.conf'),
    installedRoot: join(root, 'var-cache-convirt'),
    programRoot: join(root, 'usr-share-convirt'),
  };
  for (const dir of [f.home, f.cwd, f.programRoot]) mkdirSync(dir, { recursive: true });
  return {
    ...f,
    write(path, text, mode = 0o644) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text, { mode });
      return path;
    },
    load(options = {}) {
      return loadConfig({
        env: {},
        cwd: f.cwd,
        home: f.home,
        systemFile: f.systemFile,
        ...options,
        defaults: {
          program: { root: f.programRoot },
          installedRoot: f.installedRoot,
          ...options.defaults,
        },
      });
    },
  };
}
