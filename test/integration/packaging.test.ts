// The distribution packages, built as `npm run package` builds them. The .deb is installed on this
// machine with dpkg (its convirtctl and browser mode run, /etc/convirt.conf survives a reinstall,
// remove keeps operator data, purge removes it) and the machine is left as it was; the two .rpm's
// are checked with `rpm -qp` and installed into a scratch root where their scriptlets run.
// Runs as root (as CI does), like the rest of the integration suite.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { buildApp, buildDistroPackage } from '../../packaging/build-package.js';
import { appInfo } from '../../packaging/stage.js';
import { CHROMIUM, SCREENSHOT_DIR } from '../e2e/support/e2e-app.js';

const root = join(import.meta.dirname, '../..');
const asRoot = process.getuid?.() === 0;
const work = mkdtempSync(join(tmpdir(), 'convirt-packaging-'));
const version = appInfo().version;
const built: Partial<Record<'ubuntu' | 'fedora' | 'suse', string>> = {};

/** What the installed package creates outside its own files; all absent before the test. */
const MACHINE_PATHS = [
  '/etc/convirt.conf',
  '/var/cache/convirt',
  '/var/log/convirt',
  '/usr/share/convirt',
];

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function mustRun(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  const r = run(cmd, args, env);
  assert.equal(r.code, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const modeOf = (path: string) => (statSync(path).mode & 0o7777).toString(8);

before(
  async () => {
    if (!asRoot) return;
    let started = Date.now();
    // npm test's checks stage has built the page; rebuilding it would pull it from under the
    // tests that serve dist/renderer at the same time.
    if (!existsSync(join(root, 'dist/renderer/index.html'))) buildApp();
    console.log(`# app build: ${((Date.now() - started) / 1000).toFixed(0)} s`);
    for (const distro of ['ubuntu', 'fedora', 'suse'] as const) {
      started = Date.now();
      built[distro] = await buildDistroPackage(distro, join(work, 'packages'));
      const mb = (statSync(built[distro]).size / 1e6).toFixed(1);
      console.log(
        `# ${distro}: ${built[distro]} ${mb} MB in ${((Date.now() - started) / 1000).toFixed(0)} s`,
      );
    }
  },
  { timeout: 15 * 60_000 },
);
after(() => rmSync(work, { recursive: true, force: true }));

/** Commands the installed convirtctl must answer. */
const INSTALLED_CONVIRTCTL: { args: string[]; expect: RegExp }[] = [
  { args: ['--version'], expect: new RegExp(`^convirtctl ${version.replace(/\./g, '\\.')}$`, 'm') },
  { args: ['host', 'list'], expect: /NAME\s+ADDRESS/ },
  // The installed /etc/convirt.conf is the one read, and its shipped store is where it was put.
  {
    args: ['config', 'show'],
    expect:
      /^convirt\.conf: \/etc\/convirt\.conf$[\s\S]*^image_store\s+\/var\/cache\/convirt\/image_store\s/m,
  },
];

/** As an operator runs it: the test runner's CONVIRT_CONFIG (defaults only) does not apply. */
function operatorEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  delete env.CONVIRT_CONFIG;
  return env;
}

/** Starts the installed `convirt --serve` and resolves with its one-time URL. */
function startInstalledServe(dataDir: string, home: string) {
  const child = spawn('/usr/bin/convirt', ['--serve', '--data-dir', dataDir], {
    env: operatorEnv(home),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = new Promise<string>((resolve, reject) => {
    let out = '';
    const take = (d: Buffer) => {
      out += d.toString();
      const found = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out);
      if (found) resolve(found[0]);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('close', (code) => reject(new Error(`convirt --serve exited (${code}): ${out}`)));
  });
  return { child, url };
}

describe('the .deb on this machine', { skip: !asRoot && 'dpkg needs root' }, () => {
  test(
    'installs, runs, keeps an edited /etc/convirt.conf, removes and purges, leaving the machine as it was',
    { timeout: 10 * 60_000 },
    async (t) => {
      const installedBefore = run('dpkg-query', ['-W', '-f=${Status}', 'convirt']).stdout;
      const present = MACHINE_PATHS.filter((p) => existsSync(p));
      if (installedBefore.includes('installed') || present.length > 0) {
        t.skip(
          `this machine already has ConVirt's files (${present.join(', ') || 'package'}): left alone`,
        );
        return;
      }
      const home = join(work, 'home');
      mkdirSync(home, { recursive: true });
      try {
        let started = Date.now();
        mustRun('dpkg', ['-i', built.ubuntu!]);
        console.log(`# dpkg -i: ${((Date.now() - started) / 1000).toFixed(1)} s`);

        // The layout.
        assert.ok(lstatSync('/usr/bin/convirt').isSymbolicLink());
        assert.equal(modeOf('/usr/share/convirt/bin/convirt'), '755');
        assert.equal(modeOf('/etc/convirt.conf'), '644');
        for (const dir of ['image_store', 'appliance_store', 'install']) {
          assert.ok(statSync(`/var/cache/convirt/${dir}`).isDirectory(), dir);
        }
        assert.equal(modeOf('/var/cache/convirt/image_store/tiny-linux/provision.sh'), '744');
        assert.ok(existsSync('/usr/share/convirt/doc/image-builders-guide.md'));
        assert.ok(existsSync('/usr/share/applications/convirt.desktop'));

        for (const { args, expect } of INSTALLED_CONVIRTCTL) {
          const out = mustRun(
            '/usr/bin/convirtctl',
            ['--data-dir', join(work, 'ctl-data'), ...args],
            operatorEnv(home),
          );
          assert.match(out, expect, `convirtctl ${args.join(' ')}`);
          if (args[0] === 'config') console.log(out.replace(/^/gm, '# '));
        }

        // Browser mode from the installed program, in Chromium.
        started = Date.now();
        const serve = startInstalledServe(join(work, 'serve-data'), home);
        try {
          const url = await serve.url;
          const browser = await chromium.launch({ ...CHROMIUM, headless: true });
          try {
            const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
            await page.goto(url);
            await page.getByRole('status').filter({ hasText: 'No hosts yet' }).waitFor();
            mkdirSync(SCREENSHOT_DIR, { recursive: true });
            await page.screenshot({ path: join(SCREENSHOT_DIR, 'packaged-deb-browser-mode.png') });
          } finally {
            await browser.close();
          }
        } finally {
          serve.child.kill('SIGTERM');
        }
        console.log(
          `# installed browser mode in Chromium: ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );

        // An operator's edits survive a reinstall: the configuration file and the image store.
        writeFileSync(
          '/etc/convirt.conf',
          readFileSync('/etc/convirt.conf', 'utf8').replace(
            /^default_ssh_port\s*=.*$/m,
            '# edited by the operator\ndefault_ssh_port = 2222',
          ),
        );
        const description = '/var/cache/convirt/image_store/tiny-linux/description.html';
        writeFileSync(description, '<p>the operator wrote this</p>\n');
        rmSync('/var/cache/convirt/image_store/tiny-linux-xen/image.conf');
        mustRun('dpkg', ['-i', built.ubuntu!]);
        assert.match(readFileSync('/etc/convirt.conf', 'utf8'), /edited by the operator/);
        assert.match(
          mustRun('/usr/bin/convirtctl', ['config', 'show'], operatorEnv(home)),
          /^default_ssh_port\s+2222\s+\/etc\/convirt\.conf line \d+$/m,
          'the edited value is the one in effect after the reinstall',
        );
        assert.equal(readFileSync(description, 'utf8'), '<p>the operator wrote this</p>\n');
        assert.ok(
          existsSync('/var/cache/convirt/image_store/tiny-linux-xen/image.conf'),
          'a missing shipped file is restored',
        );

        // Remove: the program goes, operator data and the edited configuration stay.
        mustRun('dpkg', ['-r', 'convirt']);
        assert.ok(!existsSync('/usr/bin/convirt'));
        assert.ok(!existsSync('/usr/share/convirt/lib'));
        assert.match(readFileSync('/etc/convirt.conf', 'utf8'), /edited by the operator/);
        assert.equal(readFileSync(description, 'utf8'), '<p>the operator wrote this</p>\n');

        // Purge: everything goes.
        mustRun('dpkg', ['-P', 'convirt']);
        for (const path of MACHINE_PATHS)
          assert.ok(!existsSync(path), `${path} is gone after purge`);
        assert.ok(
          !run('dpkg-query', ['-W', '-f=${Status}', 'convirt']).stdout.includes('installed'),
        );
      } finally {
        // Whatever happened above: the machine as it was.
        run('dpkg', ['-P', 'convirt']);
        for (const path of MACHINE_PATHS) rmSync(path, { recursive: true, force: true });
      }
    },
  );
});

const RPM_DEPENDENCIES = {
  fedora: ['nodejs >= 1:20', 'nodejs < 1:21', 'openssh-clients'],
  suse: ['nodejs20', 'openssh-clients'],
} as const;

for (const distro of ['fedora', 'suse'] as const) {
  describe(`the ${distro} .rpm`, { skip: !asRoot && 'built with the test suite as root' }, () => {
    const rpm = () => built[distro]!;
    const query = (...args: string[]) => mustRun('rpm', ['-qp', ...args, rpm()]);

    test('holds the deployment layout with its modes', () => {
      const dump = new Map(
        query('--qf', '[%{FILEMODES:octal} %{FILEFLAGS:fflags}| %{FILENAMES}\n]')
          .trim()
          .split('\n')
          .map((line) => {
            const [flags, path] = line.split('| ');
            return [path!, flags!.trim()];
          }),
      );
      const expect = (path: string, modeAndFlags: RegExp) =>
        assert.match(dump.get(path) ?? 'missing', modeAndFlags, path);
      expect('/etc/convirt.conf', /^100644 cn$/); // %config(noreplace)
      expect('/usr/share/convirt/bin/convirt', /^100755/);
      expect('/usr/share/convirt/bin/convirtctl', /^100755/);
      expect('/usr/bin/convirt', /^120777/);
      expect('/usr/share/convirt/lib/convirt.js', /^100644/);
      expect('/usr/share/convirt/image_store/tiny-linux/provision.sh', /^100744/);
      expect('/usr/share/convirt/doc/image-builders-guide.md', /^100644/);
      expect('/usr/share/applications/convirt.desktop', /^100644/);
      for (const dir of ['image_store', 'appliance_store', 'install']) {
        expect(`/var/cache/convirt/${dir}`, /^40755/);
      }
      expect(
        '/usr/share/convirt/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
        /^100755/,
      );
      assert.ok(
        ![...dump.keys()].some((p) => p.includes('/deps/') || p.endsWith('.cc')),
        'no sources of native modules',
      );
    });

    test("declares the distribution's dependency names", () => {
      const requires = query('--requires').split('\n');
      for (const dep of RPM_DEPENDENCIES[distro])
        assert.ok(requires.includes(dep), `${dep} in ${requires.join(', ')}`);
      const recommends = query('--recommends').split('\n');
      assert.ok(recommends.includes('libvirt-client'));
      assert.equal(query('--qf', '%{NAME}'), 'convirt');
    });

    test('its scriptlets set up a scratch root, keep operator data and edits, and remove cleanly', () => {
      const scratch = join(work, `${distro}-root`);
      mkdirSync(scratch);
      const inScratch = (...args: string[]) => mustRun('rpm', ['--root', scratch, ...args]);
      const scriptlet = (tag: string) => query('--qf', `%{${tag}}`);
      const runScriptlet = (tag: string, arg: string) =>
        mustRun('sh', ['-c', scriptlet(tag), 'sh', arg], { ...process.env, CONVIRT_ROOT: scratch });
      inScratch('--initdb');
      // The payload by rpm itself; the scriptlets by sh with CONVIRT_ROOT (the root has no shell).
      inScratch('-i', '--nodeps', '--noscripts', rpm());
      const said = runScriptlet('POSTIN', '1');
      assert.match(said, /runs on Node\.js v\d+/);
      const store = join(scratch, 'var/cache/convirt/image_store');
      assert.equal(modeOf(join(store, 'tiny-linux/provision.sh')), '744');
      assert.ok(existsSync(join(scratch, 'var/cache/convirt/appliance_store/README.md')));

      writeFileSync(join(store, 'tiny-linux/image.conf'), 'edited = yes\n');
      appendFileSync(join(scratch, 'etc/convirt.conf'), '# edited by the operator\n');
      inScratch('-U', '--replacepkgs', '--nodeps', '--noscripts', rpm());
      runScriptlet('POSTIN', '2');
      assert.equal(readFileSync(join(store, 'tiny-linux/image.conf'), 'utf8'), 'edited = yes\n');
      assert.match(
        readFileSync(join(scratch, 'etc/convirt.conf'), 'utf8'),
        /edited by the operator/,
      );

      runScriptlet('PREUN', '0');
      inScratch('-e', '--nodeps', '--noscripts', 'convirt');
      runScriptlet('POSTUN', '0');
      assert.ok(!existsSync(join(scratch, 'usr/share/convirt')));
      assert.equal(readFileSync(join(store, 'tiny-linux/image.conf'), 'utf8'), 'edited = yes\n');
      assert.match(
        readFileSync(join(scratch, 'etc/convirt.conf.rpmsave'), 'utf8'),
        /edited by the operator/,
      );
    });
  });
}
