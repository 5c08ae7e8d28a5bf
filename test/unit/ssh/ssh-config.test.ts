import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import {
  loadUserSshConfig,
  parseProxyJump,
  parseSshConfig,
  resolveHost,
  resolveJumpChain,
  SshConfigError,
  type SshConfigFiles,
} from '../../../app/main/ssh/ssh-config.js';

const home = '/home/ada';
const ctx = { localUser: 'ada' };

function config(text: string, files?: Record<string, string>) {
  return parseSshConfig(text, { homeDir: home, ...(files ? { files: fakeFiles(files) } : {}) });
}

/** Files held in memory: path -> text. Directories are whatever the paths imply. */
function fakeFiles(files: Record<string, string>): SshConfigFiles {
  return {
    readFile: (path) => files[path] ?? null,
    listDirectory: (path) => {
      const names = Object.keys(files)
        .filter((p) => p.startsWith(`${path}/`))
        .map((p) => p.slice(path.length + 1).split('/')[0]!);
      return names.length ? [...new Set(names)] : null;
    },
  };
}

test('defaults: HostName is the alias, port 22, the local user, default identity files', () => {
  const host = resolveHost(config(''), 'web1', ctx);
  assert.deepEqual(host, {
    alias: 'web1',
    hostName: 'web1',
    port: 22,
    user: 'ada',
    identityFiles: [],
    defaultIdentityFiles: [
      '/home/ada/.ssh/id_ed25519',
      '/home/ada/.ssh/id_ecdsa',
      '/home/ada/.ssh/id_rsa',
    ],
    identitiesOnly: false,
    proxyJump: null,
    proxyCommand: null,
  });
});

test('the first obtained value wins; keywords are case-insensitive; Key=Value and quotes', () => {
  const cfg = config(`
# a comment
Host web1 "web 2"
    HOSTNAME=web1.example.com
    Port = 2222
    user  "root"   # trailing comment

Host web*
    HostName ignored.example.com
    Port 22
    User admin
    IdentitiesOnly yes

Host *
    User nobody
    Port 2200
`);
  const web1 = resolveHost(cfg, 'web1', ctx);
  assert.equal(web1.hostName, 'web1.example.com');
  assert.equal(web1.port, 2222);
  assert.equal(web1.user, 'root');
  assert.equal(web1.identitiesOnly, true);

  const web9 = resolveHost(cfg, 'web9', ctx);
  assert.equal(web9.hostName, 'ignored.example.com');
  assert.equal(web9.port, 22);
  assert.equal(web9.user, 'admin');

  assert.equal(resolveHost(cfg, 'web 2', ctx).hostName, 'web1.example.com');
  const db = resolveHost(cfg, 'db', ctx);
  assert.deepEqual(
    [db.hostName, db.port, db.user, db.identitiesOnly],
    ['db', 2200, 'nobody', false],
  );
  // Explicit values (like ssh -l / -p) win over the file.
  const explicit = resolveHost(cfg, 'web1', { localUser: 'ada', user: 'ops', port: 2022 });
  assert.deepEqual([explicit.user, explicit.port], ['ops', 2022]);
  // Host names match case-insensitively.
  assert.equal(resolveHost(cfg, 'WEB1', ctx).port, 2222);
});

test('Host patterns: wildcards, ? and negation, several per line', () => {
  const cfg = config(`
Host *.prod !bastion.prod
    User deploy
Host node?
    Port 2201
Host !nothing
    Port 9
`);
  assert.equal(resolveHost(cfg, 'db.prod', ctx).user, 'deploy');
  assert.equal(resolveHost(cfg, 'bastion.prod', ctx).user, 'ada');
  assert.equal(resolveHost(cfg, 'node1', ctx).port, 2201);
  assert.equal(resolveHost(cfg, 'node12', ctx).port, 22, 'a negation alone never matches');
});

test('IdentityFile accumulates in order, without repeats, with tokens and ~ expanded', () => {
  const cfg = config(`
Host web1
    HostName web1.example.com
    User root
    Port 2222
    IdentityFile ~/.ssh/id_%h_%r
    IdentityFile ~/.ssh/id_ed25519
Host *
    IdentityFile %d/keys/%u@%n:%p-100%%
    IdentityFile ~/.ssh/id_ed25519
    IdentityFile /etc/keys/"with space"
`);
  const host = resolveHost(cfg, 'web1', ctx);
  assert.deepEqual(host.identityFiles, [
    '/home/ada/.ssh/id_web1.example.com_root',
    '/home/ada/.ssh/id_ed25519',
    '/home/ada/keys/ada@web1:2222-100%',
    '/etc/keys/with space',
  ]);
  assert.deepEqual(host.defaultIdentityFiles, []);
  assert.throws(
    () => resolveHost(config('IdentityFile ~/.ssh/%Z'), 'x', ctx),
    (err: unknown) => err instanceof SshConfigError && /line 1: unknown token %Z/.test(err.message),
  );
});

test('HostName accepts %h (the alias)', () => {
  const cfg = config('Host *\n  HostName %h.internal.example.com\n');
  assert.equal(resolveHost(cfg, 'kvm3', ctx).hostName, 'kvm3.internal.example.com');
});

test('ProxyJump: hops, user@host:port, ssh:// URIs, IPv6, none, and bad values', () => {
  assert.deepEqual(parseProxyJump('bastion'), [{ host: 'bastion', user: null, port: null }]);
  assert.deepEqual(parseProxyJump('ops@gw.example.com:2222,inner'), [
    { host: 'gw.example.com', user: 'ops', port: 2222 },
    { host: 'inner', user: null, port: null },
  ]);
  assert.deepEqual(parseProxyJump('ssh://me@[2001:db8::1]:2200'), [
    { host: '2001:db8::1', user: 'me', port: 2200 },
  ]);
  assert.equal(parseProxyJump('none'), null);
  for (const bad of ['', 'a,,b', 'host:0', 'host:99999', 'host:x', '@host', 'a b']) {
    assert.throws(() => parseProxyJump(bad), SshConfigError, bad);
  }

  const cfg = config(`
Host direct
    ProxyJump none
Host legacy
    ProxyCommand nc -X connect -x proxy:8080 %h %p
Host *
    ProxyJump admin@bastion:2022
`);
  assert.deepEqual(resolveHost(cfg, 'web1', ctx).proxyJump, [
    { host: 'bastion', user: 'admin', port: 2022 },
  ]);
  assert.equal(resolveHost(cfg, 'direct', ctx).proxyJump, null, 'none wins when it comes first');
  const legacy = resolveHost(cfg, 'legacy', ctx);
  assert.equal(legacy.proxyJump, null, 'ProxyCommand and ProxyJump exclude each other');
  assert.equal(legacy.proxyCommand, 'nc -X connect -x proxy:8080 %h %p');
});

test('resolveJumpChain resolves each hop through the configuration, in connection order', () => {
  const cfg = config(`
Host web1
    HostName 10.0.0.5
    ProxyJump inner
Host inner
    HostName 10.0.0.2
    User jump
    ProxyJump ops@bastion:2022
Host bastion
    HostName bastion.example.com
    User ignored
    Port 22
Host multi
    ProxyJump bastion,inner
`);
  const chain = resolveJumpChain(cfg, 'web1', ctx);
  assert.deepEqual(
    chain.map((h) => `${h.user}@${h.hostName}:${h.port}`),
    ['ops@bastion.example.com:2022', 'jump@10.0.0.2:22', 'ada@10.0.0.5:22'],
  );
  // With a list, the last hop is reached through the ones before it, not its own ProxyJump.
  assert.deepEqual(
    resolveJumpChain(cfg, 'multi', ctx).map((h) => `${h.user}@${h.hostName}:${h.port}`),
    ['ignored@bastion.example.com:22', 'jump@10.0.0.2:22', 'ada@multi:22'],
  );
  assert.deepEqual(
    resolveJumpChain(cfg, 'plain', ctx).map((h) => h.hostName),
    ['plain'],
  );
});

test('a ProxyJump loop, or too long a chain, is an error', () => {
  const loop = config(`
Host a
    ProxyJump b
Host b
    ProxyJump c
Host c
    ProxyJump a
Host self
    ProxyJump self
`);
  assert.throws(() => resolveJumpChain(loop, 'a', ctx), /ProxyJump loop: a -> b -> c -> a/);
  assert.throws(() => resolveJumpChain(loop, 'self', ctx), /ProxyJump loop: self -> self/);

  const hops = Array.from({ length: 10 }, (_, i) => `Host h${i}\n  ProxyJump h${i + 1}\n`);
  assert.throws(() => resolveJumpChain(config(hops.join('')), 'h0', ctx), /More than 8/);
  const eight = Array.from({ length: 8 }, (_, i) => `Host h${i}\n  ProxyJump h${i + 1}\n`);
  assert.equal(resolveJumpChain(config(eight.join('')), 'h0', ctx).length, 9);
});

test('Include: relative to ~/.ssh, globs in lexical order, inside Host blocks', () => {
  const files = {
    '/home/ada/.ssh/config.d/20-web.conf': 'Host web1\n  User second\n  Port 2020\n',
    '/home/ada/.ssh/config.d/10-web.conf': 'Host web1\n  User first\n',
    '/home/ada/.ssh/config.d/.hidden.conf': 'Host web1\n  Port 1\n',
    '/home/ada/.ssh/config.d/notes.txt': 'Host *\n  Port 3\n',
    '/etc/ssh/extra.conf': 'HostName from-extra\n',
    '/home/ada/.ssh/nested.conf': 'Include config.d/20-web.conf\n',
  };
  const cfg = config(
    `Include config.d/*.conf
Host db
  Include /etc/ssh/extra.conf
  User dbuser
Host *
  Include ~/.ssh/missing.conf nested.conf
`,
    files,
  );
  const web1 = resolveHost(cfg, 'web1', ctx);
  assert.deepEqual([web1.user, web1.port], ['first', 2020]);
  const db = resolveHost(cfg, 'db', ctx);
  assert.deepEqual([db.hostName, db.user], ['from-extra', 'dbuser']);
  // Lines of a file included in a Host block apply only to that block.
  assert.equal(resolveHost(cfg, 'other', ctx).hostName, 'other');
  assert.deepEqual(cfg.warnings, []);

  const looping = config('Include self.conf\n', {
    '/home/ada/.ssh/self.conf': 'Include self.conf\n',
  });
  assert.match(looping.warnings[0]!, /too many nested Includes/);
});

test('Match blocks are skipped with a warning, not applied; Match all is applied', () => {
  const cfg = config(`
Match host web1 exec "false"
    User matched
    Port 1
Host web1
    Port 2222
Match all
    User everyone
`);
  const web1 = resolveHost(cfg, 'web1', ctx);
  assert.deepEqual([web1.user, web1.port], ['everyone', 2222]);
  assert.equal(cfg.warnings.length, 1);
  assert.match(cfg.warnings[0]!, /line 2: Match blocks are not supported/);
});

test('bad lines are warnings or errors that name the line', () => {
  const cfg = config('Host x\n  User "unterminated\n  Port\n  Port banana\n');
  assert.equal(cfg.warnings.length, 2);
  assert.match(cfg.warnings[0]!, /config line 2: unbalanced quotes/);
  assert.match(cfg.warnings[1]!, /config line 3: port has no value/);
  assert.throws(() => resolveHost(cfg, 'x', ctx), /line 4: bad port banana/);
  assert.throws(
    () => resolveHost(config('ProxyJump a:b:c:d d\n'), 'x', ctx),
    /line 1: Invalid ProxyJump/,
  );
});

test('loadUserSshConfig reads ~/.ssh/config when there is one', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'convirt-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.deepEqual(loadUserSshConfig(dir).directives, []);
  const file = join(dir, '.ssh', 'config');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, 'Include conf.d/*\nHost web1\n  HostName web1.example.com\n');
  mkdirSync(join(dir, '.ssh', 'conf.d'));
  writeFileSync(join(dir, '.ssh', 'conf.d', 'a'), 'Host db\n  Port 2200\n');
  const cfg = loadUserSshConfig(dir);
  assert.equal(resolveHost(cfg, 'web1', ctx).hostName, 'web1.example.com');
  assert.equal(resolveHost(cfg, 'db', ctx).port, 2200);
  assert.equal(resolveHost(cfg, 'db', ctx).defaultIdentityFiles[0], join(dir, '.ssh/id_ed25519'));
});

test('defaultPort (default_ssh_port) applies where neither the caller nor a Port directive does', () => {
  const cfg = config('Host db\n  Port 2200\nHost web1\n  ProxyJump gw\n');
  const withDefault = { ...ctx, defaultPort: 2022 };
  assert.equal(resolveHost(cfg, 'web9', withDefault).port, 2022);
  assert.equal(resolveHost(cfg, 'db', withDefault).port, 2200);
  assert.equal(resolveHost(cfg, 'web9', { ...withDefault, port: 2300 }).port, 2300);
  // Jump hosts without a port of their own get it too.
  assert.deepEqual(
    resolveJumpChain(cfg, 'web1', withDefault).map((h) => `${h.alias}:${h.port}`),
    ['gw:2022', 'web1:2022'],
  );
});
