// `convirtctl config show [--json]` and the settings view's data: every key, its value and where
// it came from; a proxy's password never shown.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONFIG_KEYS, configInfo, maskProxyPassword } from '../../../app/main/config/index.js';
import { formatConfigText } from '../../../app/main/cli/commands/config.js';
import { describeSource } from '../../../app/shared/domain/config.js';
import { configFixture } from './fixture.js';

test('config show: the file, every key under its section with its value and source, then the warnings', () => {
  const f = configFixture();
  const file = f.write(
    f.systemFile,
    [
      '[PATHS]',
      'xenconf_dir = /etc/xen/domains',
      'mystery = 1',
      '[CLIENT CONFIGURATION]',
      'default_ssh_port = 2222',
      'http_proxy = http://ops:s3cret@proxy.example.com:3128',
    ].join('\n'),
  );
  const text = formatConfigText(configInfo(f.load()));
  const lines = text.split('\n');
  assert.equal(lines[0], `convirt.conf: ${file}`);
  assert.equal(lines[2], '[PATHS]');
  const row = (key: string) => lines.find((l) => l.startsWith(`${key} `))!.split(/ {2,}/);
  assert.deepEqual(row('xenconf_dir'), ['xenconf_dir', '/etc/xen/domains', `${file} line 2`]);
  assert.deepEqual(row('default_ssh_port'), ['default_ssh_port', '2222', `${file} line 5`]);
  assert.deepEqual(row('http_proxy'), [
    'http_proxy',
    'http://ops:***@proxy.example.com:3128',
    `${file} line 6`,
  ]);
  assert.deepEqual(row('default_bridge_xen'), [
    'default_bridge_xen',
    'xenbr0',
    'default: built in',
  ]);
  assert.ok(lines.indexOf('[CLIENT CONFIGURATION]') > lines.indexOf('[PATHS]'));
  assert.equal(lines.filter((l) => CONFIG_KEYS.some((k) => l.startsWith(`${k} `))).length, 13);
  // The value column is aligned.
  const starts = new Set(
    lines
      .filter((l) => CONFIG_KEYS.some((k) => l.startsWith(`${k} `)))
      .map((l) => l.search(/ {2}\S/)),
  );
  assert.equal(starts.size, 1);
  assert.equal(lines.at(-1), `warning: ${file} line 3: [PATHS] mystery: unknown key, ignored`);
  assert.doesNotMatch(text, /s3cret/);
});

test('config show without a file says so and where it looked', () => {
  const f = configFixture();
  const text = formatConfigText(configInfo(f.load()));
  assert.match(
    text.split('\n')[0]!,
    /^convirt\.conf: none found, every value is a default \(searched /,
  );
  assert.match(text, /http_proxy +\(none\) +default: none/);
});

test('config show --json and the configInfo contract answer: plain data, the same for both', () => {
  const f = configFixture();
  f.write(
    f.systemFile,
    '[CLIENT CONFIGURATION]\nhttp_proxy = socks5h://u:pw@socks.example.com:1080\n',
  );
  const info = configInfo(f.load());
  const parsed = JSON.parse(JSON.stringify(info)) as typeof info;
  assert.deepEqual(parsed, info);
  assert.equal(info.file, f.systemFile);
  assert.deepEqual(
    info.settings.map((s) => s.key),
    CONFIG_KEYS,
  );
  const proxy = info.settings.find((s) => s.key === 'http_proxy')!;
  assert.equal(proxy.value, 'socks5h://u:***@socks.example.com:1080');
  assert.deepEqual(proxy.source, { kind: 'file', file: f.systemFile, line: 2 });
  assert.equal(proxy.section, 'CLIENT CONFIGURATION');
  assert.ok(proxy.summary.length > 0);
  const port = info.settings.find((s) => s.key === 'default_ssh_port')!;
  assert.deepEqual(port.value, 22);
  assert.deepEqual(port.source, { kind: 'default', why: 'built in' });
});

test('a proxy URL without a password is shown as it is', () => {
  assert.equal(maskProxyPassword('http://proxy:3128'), 'http://proxy:3128');
  assert.equal(maskProxyPassword('http://proxy:3128/'), 'http://proxy:3128/');
  assert.equal(maskProxyPassword('http://me@proxy:3128'), 'http://me@proxy:3128');
});

test('a source in words: the same text for config show and the settings view', () => {
  assert.equal(
    describeSource({ kind: 'file', file: '/etc/convirt.conf', line: 7 }),
    '/etc/convirt.conf line 7',
  );
  assert.equal(describeSource({ kind: 'default', why: 'built in' }), 'default: built in');
});
