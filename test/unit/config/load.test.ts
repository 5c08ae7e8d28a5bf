// Finding and reading convirt.conf: the search order, the overrides, every key's checks, and the
// errors (file, line, key) and warnings a bad file gets.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, type ConfigProblem } from '../../../app/main/config/index.js';
import { configFixture } from './fixture.js';

const conf = (paths: string, client = '') =>
  `[PATHS]\n${paths}\n[CLIENT CONFIGURATION]\n${client}\n`;

function problemsOf(fn: () => unknown): readonly ConfigProblem[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

test('search order: ./convirt.conf, then ~/.convirt/convirt.conf, then /etc/convirt.conf; the first found wins', () => {
  const f = configFixture();
  const local = join(f.cwd, 'convirt.conf');
  const user = join(f.home, '.convirt', 'convirt.conf');
  f.write(f.systemFile, conf('xenconf_dir = /etc/xen-system'));
  assert.equal(f.load().file, f.systemFile);
  assert.equal(f.load().values.xenconf_dir, '/etc/xen-system');
  f.write(user, conf('xenconf_dir = /etc/xen-user'));
  assert.equal(f.load().values.xenconf_dir, '/etc/xen-user');
  f.write(local, conf('xenconf_dir = /etc/xen-local'));
  const config = f.load();
  assert.equal(config.file, local);
  assert.equal(config.values.xenconf_dir, '/etc/xen-local');
  // One file is read, not merged: what the local file does not set is a default.
  assert.deepEqual(config.searched, [local]);
  assert.equal(config.settings.xenconf_dir.source.kind, 'file');
});

test('no file anywhere: every value is a default, and the places searched are listed', () => {
  const f = configFixture();
  const config = f.load();
  assert.equal(config.file, null);
  assert.deepEqual(config.searched, [
    join(f.cwd, 'convirt.conf'),
    join(f.home, '.convirt', 'convirt.conf'),
    f.systemFile,
  ]);
  for (const setting of Object.values(config.settings))
    assert.equal(setting.source.kind, 'default');
});

test('--config overrides CONVIRT_CONFIG, which overrides the search', () => {
  const f = configFixture();
  f.write(join(f.cwd, 'convirt.conf'), conf('xenconf_dir = /searched'));
  const fromEnv = f.write(join(f.root, 'env.conf'), conf('xenconf_dir = /from-env'));
  const fromFlag = f.write(join(f.root, 'flag.conf'), conf('xenconf_dir = /from-flag'));
  assert.equal(f.load({ env: { CONVIRT_CONFIG: fromEnv } }).values.xenconf_dir, '/from-env');
  const both = f.load({ flag: fromFlag, env: { CONVIRT_CONFIG: fromEnv } });
  assert.equal(both.values.xenconf_dir, '/from-flag');
  assert.deepEqual(both.searched, [fromFlag]);
  // Relative to the working folder; ~/ is the home.
  assert.equal(f.load({ flag: '../flag.conf' }).file, fromFlag);
  f.write(join(f.home, 'mine.conf'), conf('xenconf_dir = /home-file'));
  assert.equal(f.load({ env: { CONVIRT_CONFIG: '~/mine.conf' } }).values.xenconf_dir, '/home-file');
});

test('--config /dev/null (or CONVIRT_CONFIG=/dev/null): the defaults alone, whatever files exist', () => {
  const f = configFixture();
  f.write(join(f.cwd, 'convirt.conf'), conf('xenconf_dir = /searched'));
  for (const options of [{ flag: '/dev/null' }, { env: { CONVIRT_CONFIG: '/dev/null' } }]) {
    const config = f.load(options);
    assert.equal(config.file, '/dev/null');
    assert.equal(config.values.xenconf_dir, '/etc/xen');
    assert.deepEqual(config.warnings, []);
  }
});

test('an override naming a missing file is an error, not a fall back to the search', () => {
  const f = configFixture();
  f.write(f.systemFile, conf(''));
  const missing = join(f.root, 'nope.conf');
  const [viaFlag] = problemsOf(() => f.load({ flag: missing }));
  assert.equal(viaFlag?.file, missing);
  assert.match(viaFlag.message, /no such file \(named by --config\)/);
  const [viaEnv] = problemsOf(() => f.load({ env: { CONVIRT_CONFIG: missing } }));
  assert.match(viaEnv!.message, /named by CONVIRT_CONFIG/);
});

test('every key is read, checked and typed, with the line it came from', () => {
  const f = configFixture();
  const file = f.write(
    f.systemFile,
    [
      '# all of them',
      '[PATHS]',
      'exec_path = /opt/virt/bin:$PATH:/usr/sbin',
      'image_store = /srv/convirt/image_store/',
      'appliance_store = ~/appliances',
      'cache_dir = /srv/cache',
      'log_dir = ~/logs',
      'snapshots_dir = /var/lib/convirt/saved',
      'xenconf_dir = /etc/xen/domains',
      '[CLIENT CONFIGURATION]',
      'default_ssh_port = 2222',
      'http_proxy = http://proxy.example.com:3128',
      'default_bridge_kvm = virbr0',
      'default_bridge_xen = xenbr1',
      "html_browser = '/usr/bin/firefox'",
      'imagelist_event_handler = /usr/local/libexec/vmcatcher_eventHndl_ON',
    ].join('\n'),
  );
  const config = f.load();
  assert.deepEqual(config.values, {
    exec_path: '/opt/virt/bin:$PATH:/usr/sbin',
    image_store: '/srv/convirt/image_store',
    appliance_store: join(f.home, 'appliances'),
    cache_dir: '/srv/cache',
    log_dir: join(f.home, 'logs'),
    snapshots_dir: '/var/lib/convirt/saved',
    xenconf_dir: '/etc/xen/domains',
    default_ssh_port: 2222,
    http_proxy: 'http://proxy.example.com:3128',
    default_bridge_kvm: 'virbr0',
    default_bridge_xen: 'xenbr1',
    html_browser: '/usr/bin/firefox',
    imagelist_event_handler: '/usr/local/libexec/vmcatcher_eventHndl_ON',
  });
  assert.deepEqual(config.settings.exec_path.source, { kind: 'file', file, line: 3 });
  assert.deepEqual(config.settings.html_browser.source, { kind: 'file', file, line: 15 });
  assert.deepEqual(config.warnings, []);
});

test('each key refuses a bad value: the error names the file, the line and the key', () => {
  const cases: Array<[section: 'paths' | 'client', line: string, message: RegExp]> = [
    ['paths', 'exec_path = /usr/bin::/bin', /empty component/],
    ['paths', 'exec_path = :/usr/bin', /empty component/],
    ['paths', 'exec_path = bin:/usr/bin', /must be absolute/],
    ['paths', 'exec_path = $PATH:/x:$PATH', /once/],
    ['paths', 'exec_path = /usr/../bin', /'\.\.'/],
    ['paths', 'image_store = var/cache/convirt', /absolute path/],
    ['paths', 'appliance_store = ./appliances', /absolute path/],
    ['paths', 'cache_dir = cache', /absolute path/],
    ['paths', 'log_dir = logs', /absolute path/],
    ['paths', 'snapshots_dir = ~/snapshots', /must be absolute/],
    ['paths', 'xenconf_dir = /etc/../xen', /'\.\.'/],
    ['client', 'default_ssh_port = 0', /1 to 65535/],
    ['client', 'default_ssh_port = 70000', /1 to 65535/],
    ['client', 'default_ssh_port = ssh', /port number/],
    ['client', 'http_proxy = ftp://proxy:21', /scheme/],
    ['client', 'http_proxy = proxy:3128', /scheme|proxy URL/],
    ['client', 'http_proxy = http://proxy:3128/path', /not a path/],
    ['client', 'default_bridge_kvm = br 0', /bridge name/],
    ['client', 'default_bridge_xen = a-very-long-bridge-name', /bridge name/],
    ['client', 'html_browser = firefox --new-window', /without arguments/],
    ['client', 'html_browser = ../browser', /program/],
    ['client', 'imagelist_event_handler = handler --verbose', /without arguments/],
    ['client', 'default_bridge_kvm[] = br0', /one value/],
  ];
  for (const [section, line, message] of cases) {
    const f = configFixture();
    const key = line.split(/(?:\[\])? = /)[0]!;
    const text = section === 'paths' ? conf(line) : conf('', line);
    const file = f.write(f.systemFile, text);
    const problems = problemsOf(() => f.load());
    assert.equal(problems.length, 1, line);
    const [p] = problems;
    assert.equal(p?.file, file, line);
    assert.equal(p?.line, section === 'paths' ? 2 : 4, line);
    assert.equal(p?.key, key, line);
    assert.match(p.message, message, line);
    const err = new ConfigError(problems);
    assert.ok(err.message.startsWith(`${file} line ${p?.line}: [`), err.message);
    assert.ok(err.message.includes(`] ${key}: `), err.message);
  }
});

test('every problem of a file is reported at once, in line order, and nothing is returned', () => {
  const f = configFixture();
  const file = f.write(
    f.systemFile,
    conf('image_store = relative\nexec_path\nlog_dir = logs', 'default_ssh_port = 99999'),
  );
  const problems = problemsOf(() => f.load());
  assert.deepEqual(
    problems.map((p) => [p.line, p.key]),
    [
      [2, 'image_store'],
      [3, undefined],
      [4, 'log_dir'],
      [6, 'default_ssh_port'],
    ],
  );
  assert.match(problems[1]!.message, /expected key = value or \[SECTION\], got "exec_path"/);
  assert.equal(problems[1]!.file, file);
});

test('an unknown key, an unknown section, a misplaced key and a repeated key are warnings', () => {
  const f = configFixture();
  const file = f.write(
    f.systemFile,
    [
      'stray = 1',
      '[PATHS]',
      'exec_path = /usr/bin',
      'image_stor = /srv/store',
      'default_ssh_port = 2200',
      'exec_path = /usr/sbin',
      '[MANAGED NODES]',
      'node1 = whatever',
      '[CLIENT CONFIGURATION]',
      'ssh_port = 22',
    ].join('\n'),
  );
  const config = f.load();
  assert.equal(config.values.exec_path, '/usr/sbin');
  assert.equal(config.values.default_ssh_port, 22);
  const warnings = config.warnings.map((w) => [w.line, w.key, w.message]);
  assert.deepEqual(warnings, [
    [1, 'stray', 'outside any section, ignored'],
    [3, 'exec_path', 'set again on line 6, which wins'],
    [4, 'image_stor', 'unknown key, ignored'],
    [5, 'default_ssh_port', 'belongs in [CLIENT CONFIGURATION], ignored here'],
    [7, undefined, 'unknown section [MANAGED NODES], ignored'],
    [
      10,
      'ssh_port',
      'unknown key, ignored: hosts and their settings are kept in the inventory (convirtctl host add)',
    ],
  ]);
  assert.ok(config.warnings.every((w) => w.file === file));
});

test("ConVirt's own files still load: legacy sections, [DEFAULT] lending its keys, any case of key names", () => {
  const f = configFixture();
  f.write(
    f.systemFile,
    [
      '[DEFAULT]',
      'xenconf_dir = /etc/xen-from-default',
      'snapshots_dir = /overridden',
      '[ENVIRONMENT]',
      '[APPLICATION DATA]',
      '[PATHS]',
      'Snapshots_Dir = /var/cache/convirt/vm_snapshots',
      '[CLIENT CONFIGURATION]',
      'HTML_BROWSER = yelp',
    ].join('\n'),
  );
  const config = f.load();
  assert.deepEqual(config.warnings, []);
  assert.equal(config.values.xenconf_dir, '/etc/xen-from-default');
  assert.equal(config.values.snapshots_dir, '/var/cache/convirt/vm_snapshots');
  assert.equal(config.values.html_browser, 'yelp');
});

test('an empty value, quotes and comments: what ini makes of them', () => {
  const f = configFixture();
  const file = f.write(
    f.systemFile,
    conf('cache_dir =\nimage_store = "/srv/with #hash"\nlog_dir = /srv/log ; why', 'http_proxy ='),
  );
  const config = f.load();
  assert.equal(config.values.image_store, '/srv/with #hash');
  assert.equal(config.values.log_dir, '/srv/log');
  assert.equal(config.values.http_proxy, null);
  assert.deepEqual(config.settings.cache_dir.source, {
    kind: 'default',
    why: `per user ($XDG_CACHE_HOME/convirt); empty in ${file} line 2`,
  });
  // The default follows: per user.
  assert.equal(config.values.cache_dir, join(f.home, '.cache', 'convirt'));
});

test('a file anyone may write, a file of another user or a folder is refused', () => {
  const f = configFixture();
  f.write(f.systemFile, conf(''));
  chmodSync(f.systemFile, 0o666);
  assert.match(problemsOf(() => f.load())[0]!.message, /anyone can write it \(mode 666\)/);
  chmodSync(f.systemFile, 0o644);
  if (process.getuid?.() === 0) {
    // Root's files are trusted by every user; another user's are not.
    assert.equal(f.load({ uid: 4242 }).file, f.systemFile);
    chownSync(f.systemFile, 4243, 4243);
    assert.match(
      problemsOf(() => f.load({ uid: 4242 }))[0]!.message,
      /belongs to user 4243, neither to you \(4242\) nor to root/,
    );
  }
  mkdirSync(join(f.cwd, 'convirt.conf'));
  assert.match(problemsOf(() => f.load())[0]!.message, /not a regular file/);
});

test('line numbers count every line, blank and comment lines included, with CRLF line ends too', () => {
  const f = configFixture();
  const file = f.write(
    f.systemFile,
    '; comment\r\n\r\n\r\n[PATHS]\r\n# another\r\nxenconf_dir = /etc/xen/x\r\n[a.b]\r\nk = v\r\n',
  );
  const config = f.load();
  assert.deepEqual(config.settings.xenconf_dir.source, { kind: 'file', file, line: 6 });
  // ini nests [a.b] inside [a]: still one unknown section, on its own line.
  assert.deepEqual(
    config.warnings.map((w) => [w.line, w.message]),
    [[7, 'unknown section [a.b], ignored']],
  );
});
