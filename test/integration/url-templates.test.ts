// Templates and ISOs registered by URL, end to end against the test bed (its sshd is the host,
// its nginx the web server): registration checked from a host, direct download kept as
// BYPASSED/Ready with no copy, a verified copy in the local image store, certificates installed
// through ConVirt, deployment into a storage pool by the host and the second deployment on the
// same pool downloading nothing, a wrong checksum refused after 3 attempts, and convirtctl.
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { inspectCertificate } from '../../app/main/templates/certificates.js';
import { UrlTemplateRecords } from '../../app/main/templates/template-records.js';
import { unlockForHeaders } from '../../app/main/templates/template-secrets.js';
import { downloadOnHosts } from '../../app/main/templates/host-download.js';
import { UrlTemplateService } from '../../app/main/templates/url-template-service.js';
import { parseChecksum } from '../../app/shared/validation/download-source.js';
import { Inventory } from '../../app/main/inventory/index.js';
import { passphraseProtection } from '../../app/main/secrets/passphrase-protection.js';
import { configureVault } from '../../app/main/secrets/vault-registry.js';
import { TaskRunner } from '../../app/main/tasks/task-runner.js';
import type { RemoteShell } from '../../app/main/ssh/ssh-connection.js';
import { InvalidInputError } from '../../app/shared/validation/names.js';
import { runLocal, waitFor } from '../bed/process.js';
import { convirtctlRunner, testbedHostAdd } from '../support/convirtctl-runner.js';
import { connectToTestbed, testbed } from '../support/testbed.js';
import { filesHolding } from '../support/data-folder.js';

const bed = testbed();
const web = bed.downloads;
const sha256 = `{SHA-256}${web.image.sha256}`;

/** Whole-file GETs (200) nginx served for `path` so far; a ranged read of a header is a 206. */
const gets = (path: string) =>
  readFileSync(join(web.dir, 'access.log'), 'utf8')
    .split('\n')
    .filter((l) => l.includes(`"GET ${path} `) && / 200 /.test(l)).length;

test('templates and ISOs by URL', { timeout: 300_000 }, async (t) => {
  const dataDir = join(bed.runDir, 'url-templates');
  mkdirSync(dataDir, { recursive: true });
  // Header values go to the secret store, here under a master passphrase (as in convirtctl).
  configureVault(
    dataDir,
    passphraseProtection(() => Promise.resolve('test master passphrase')),
  );
  const inventory = Inventory.open({ dataDir });
  await unlockForHeaders(inventory.db, true);
  /** Every byte of every file of the data folder (the inventory, its WAL, the store...). */
  const dataFolderHolds = (text: string) => filesHolding(dataDir, text).length > 0;
  const ssh = await connectToTestbed(bed);
  const pool = `${bed.imagesDir}/${bed.prefix}urlpool`;
  const storeDir = join(dataDir, 'store');
  let connects = 0;
  const service = (hosts: string[] = ['tb']) =>
    new UrlTemplateService({
      records: new UrlTemplateRecords(inventory.db),
      hosts: () => hosts,
      connect: (): Promise<RemoteShell> => {
        connects++;
        return Promise.resolve(ssh);
      },
      storeDir,
      localTrustDir: join(dataDir, 'local-trust'),
      hostTrustDir: join(bed.runDir, 'url-templates-host-trust'),
    });
  const s = service();
  t.after(async () => {
    await ssh.run(['rm', '-rf', pool]);
    ssh.close();
    inventory.close();
  });
  await ssh.run(['mkdir', '-p', pool]);
  const poolFiles = async () => (await ssh.run(['ls', '-A', pool])).split('\n').filter(Boolean);

  await t.test('bad input is refused before anything runs on a host', async () => {
    const before = connects;
    for (const bad of [
      { name: 'x', url: 'http://10.0.0.1/a;reboot' },
      { name: 'x', url: `${web.http}/a.qcow2`, checksum: web.image.sha256 },
      { name: 'x', url: `${web.http}/a.qcow2`, headers: ['X-A: b\r\nHost: evil'] },
      { name: 'bad name!', url: `${web.http}/a.qcow2` },
    ]) {
      await assert.rejects(s.register(bad), InvalidInputError);
    }
    assert.equal(connects, before);
    await assert.rejects(
      service([]).register({ name: 'x', url: `${web.http}/files/${web.image.name}` }),
      /No connected kvm host/,
    );
  });

  await t.test('direct download: BYPASSED, Ready, no copy anywhere', async () => {
    const before = gets(`/files/${web.image.name}`);
    const r = await s.register({
      name: 'direct',
      url: `${web.http}/files/${web.image.name}`,
      checksum: sha256,
      directDownload: true,
      os: 'Debian 12',
    });
    assert.deepEqual(
      [r.downloadState, r.state, r.storePath, r.size],
      ['BYPASSED', 'Ready', undefined, web.image.size],
    );
    assert.equal(gets(`/files/${web.image.name}`), before, 'only HEAD: nothing downloaded');
    assert.equal(existsSync(storeDir), false);
  });

  await t.test('not direct: fetched into the local image store and verified', async () => {
    const lines: string[] = [];
    const r = await s.register(
      {
        name: 'stored',
        url: `${web.http}/files/${web.image.name}`,
        checksum: `{MD5}${web.image.md5.toUpperCase()}`,
      },
      { log: (line) => lines.push(line) },
    );
    assert.equal(r.downloadState, 'DOWNLOADED');
    assert.deepEqual(
      lines.map((l) => l.split(' ')[0]),
      ['Checking', `${web.http}/files/${web.image.name}:`, 'Downloading', 'Verified;'],
    );
    assert.equal(readFileSync(r.storePath!).length, web.image.size);
    await assert.rejects(
      s.register({
        name: 'stored-wrong',
        url: `${web.http}/files/${web.image.name}`,
        checksum: `{MD5}${'0'.repeat(32)}`,
      }),
      /checksum mismatch/,
    );
    assert.deepEqual(readdirSync(storeDir), ['stored.qcow2'], 'a mismatch keeps nothing');
    assert.equal(
      s.list().find((x) => x.name === 'stored-wrong'),
      undefined,
    );
  });

  await t.test('cancelling a registration stops its download: no file, no record', async () => {
    const tasks = new TaskRunner(inventory.tasks, inventory.audit);
    const { task, result } = s.registerAsTask(tasks, {
      name: 'cancelled',
      url: `${web.http}/slow/${web.image.name}?cancel=register`,
      checksum: `{SHA-256}${web.image.sha256}`,
    });
    const failed = assert.rejects(result, /cancel/i);
    await waitFor(
      'the download into the image store to start',
      () =>
        readdirSync(storeDir).some((f) => f.startsWith('cancelled.qcow2.part')) ? true : undefined,
      10_000,
      50,
    );
    tasks.cancel(task.id);
    await failed;
    assert.deepEqual(readdirSync(storeDir), ['stored.qcow2']);
    assert.equal(
      s.list().find((x) => x.name === 'cancelled'),
      undefined,
    );
    // (`[c]` keeps the pattern from matching pgrep's own command line.)
    const curls = await runLocal('pgrep', ['-f', '[c]ancel=register']);
    assert.equal(curls.code, 1, `no local curl left running: ${curls.stdout}`);
  });

  await t.test('a Metalink 4 with a dead mirror first: its hash and mirrors are kept', async () => {
    const r = await s.register({
      name: 'meta',
      url: `${web.http}/files/image.meta4`,
      directDownload: true,
    });
    assert.equal(r.checksum?.hex, web.image.sha256);
    assert.deepEqual(r.mirrors, [
      `http://127.0.0.1:${web.deadPort}/files/${web.image.name}`,
      `${web.http}/files/${web.image.name}`,
    ]);
  });

  await t.test('an unreachable URL is not registered', async () => {
    await assert.rejects(
      s.register({ name: 'gone', url: `${web.http}/files/none.qcow2`, checksum: sha256 }),
      /HTTP 404/,
    );
    await assert.rejects(
      s.register({
        name: 'hdr',
        url: `${web.http}/header-only/${web.image.name}`,
        checksum: sha256,
      }),
      /HTTP 401/,
    );
    const ok = await s.register({
      name: 'hdr',
      url: `${web.http}/header-only/${web.image.name}`,
      checksum: sha256,
      headers: [`${web.header.name}:${web.header.value}`],
      directDownload: true,
    });
    assert.deepEqual(ok.headers, [web.header]);
    assert.equal(dataFolderHolds(web.header.value), false, 'the header value is stored encrypted');
    assert.deepEqual(new UrlTemplateRecords(inventory.db).get('hdr').headers, [web.header]);
  });

  await t.test('a header-protected template deploys: the host sends the header', async () => {
    const tasks = new TaskRunner(inventory.tasks, inventory.audit);
    const { task, result } = s.deployAsTask(tasks, {
      template: 'hdr',
      pool: 'tb:hdr',
      poolDir: pool,
      hosts: ['tb'],
    });
    const deployed = await result;
    assert.equal(inventory.tasks.get(task.id)?.status, 'succeeded');
    assert.equal((await ssh.run(['sha256sum', deployed.path])).split(' ')[0], web.image.sha256);
    // Nor in the task's log, nor anywhere else in the data folder afterwards.
    const log = inventory.tasks
      .log(task.id)
      .map((e) => e.text)
      .join('\n');
    assert.equal(log.includes(web.header.value), false);
    assert.equal(dataFolderHolds(web.header.value), false);
  });

  await t.test('certificates: a CA uploaded through ConVirt makes HTTPS work', async () => {
    const url = `${web.https}/files/${web.image.name}`;
    await assert.rejects(s.register({ name: 'tls', url, checksum: sha256 }), /cannot be reached/);
    const { failed } = await s.addCertificate({ name: 'test-ca', kind: 'ca', pem: web.caPem });
    assert.deepEqual(failed, []);
    await assert.rejects(
      s.addCertificate({ name: 'test-ca', kind: 'ca', pem: web.caPem }),
      /already exists/,
    );
    const tls = await s.register({ name: 'tls', url, checksum: sha256, directDownload: true });
    // A host added later gets the same bundle.
    const bundle = `${join(bed.runDir, 'url-templates-host-trust')}/ca-bundle.pem`;
    await ssh.run(['rm', '-f', bundle]);
    await s.installCertificatesOn('tb');
    assert.ok((await ssh.run(['cat', bundle])).includes(web.caPem.trim()));
    assert.equal(tls.size, web.image.size);
    // The local store's downloads trust it too.
    assert.equal(
      (await s.register({ name: 'tls-stored', url, checksum: sha256 })).downloadState,
      'DOWNLOADED',
    );
    await s.addCertificate({
      name: 'client',
      kind: 'client',
      pem: web.clientCertPem,
      keyPem: web.clientKeyPem,
    });
    const mtls = await s.register({
      name: 'mtls',
      url: `${web.mtls}/files/${web.image.name}`,
      checksum: sha256,
      clientCertificate: 'client',
      directDownload: true,
    });
    assert.equal(mtls.clientCertificate, 'client');
    // A host added later gets the client certificate and its key (kept in the secret store,
    // nowhere in plain text in the data folder): here, a fresh trust store on the same host.
    const laterTrust = join(bed.runDir, 'url-templates-later-host-trust');
    const later = new UrlTemplateService({
      records: new UrlTemplateRecords(inventory.db),
      hosts: () => ['tb'],
      connect: () => Promise.resolve(ssh),
      storeDir,
      localTrustDir: join(dataDir, 'local-trust'),
      hostTrustDir: laterTrust,
    });
    await later.installCertificatesOn('tb');
    const keyBody = web.clientKeyPem.split('\n')[1]!;
    assert.ok((await ssh.run(['cat', `${laterTrust}/client/client.key`])).includes(keyBody));
    assert.equal(dataFolderHolds(keyBody), false, 'the client key is stored encrypted');
    await downloadOnHosts([ssh], {
      urls: [`${web.mtls}/files/${web.image.name}`],
      clientCertificate: 'client',
      trustDir: laterTrust,
      checksum: parseChecksum(sha256),
      dest: `${pool}/later-mtls.qcow2`,
    });
    await ssh.run(['rm', '-rf', laterTrust, `${pool}/later-mtls.qcow2`]);
    // Into the local image store too: the key is on disk only for the download, in a private
    // folder removed afterwards.
    const privateDirs = () =>
      readdirSync(join(dataDir, 'local-trust')).filter((f) => f.startsWith('client-'));
    // One left by a ConVirt process that is gone (PID above the kernel's largest) is removed.
    mkdirSync(join(dataDir, 'local-trust', 'client-4194305-crashed'));
    const before = privateDirs().filter((d) => !d.includes('crashed'));
    const stored = await s.register({
      name: 'mtls-stored',
      url: `${web.mtls}/files/${web.image.name}`,
      checksum: sha256,
      clientCertificate: 'client',
    });
    assert.equal(stored.downloadState, 'DOWNLOADED');
    assert.deepEqual(privateDirs(), before);
    s.remove('mtls-stored');
    assert.deepEqual(
      s.listCertificates().map((c) => [c.name, c.kind]),
      [
        ['client', 'client'],
        ['test-ca', 'ca'],
      ],
    );
  });

  await t.test('expired, not-yet-valid and mismatched certificates are refused', () => {
    const ca = { name: 'x', kind: 'ca' as const, pem: web.caPem };
    assert.throws(() => inspectCertificate(ca, new Date('2999-01-01')), /expired/);
    assert.throws(() => inspectCertificate(ca, new Date('2000-01-01')), /not valid before/);
    assert.throws(
      () =>
        inspectCertificate({
          name: 'c',
          kind: 'client',
          pem: web.clientCertPem,
          keyPem: readFileSync(join(web.dir, 'server.key'), 'utf8'),
        }),
      /does not belong/,
    );
  });

  await t.test('deploying: the host downloads into the pool, the second time nothing', async () => {
    const progress: number[] = [];
    const path = `/files/${web.image.name}`;
    const before = gets(path);
    const tasks = new TaskRunner(inventory.tasks, inventory.audit);
    tasks.on('update', (task) => {
      if (task.progress !== null) progress.push(task.progress);
    });
    const { task, result } = s.deployAsTask(tasks, {
      template: 'meta',
      pool: 'tb:default',
      poolDir: pool,
      hosts: ['tb'],
    });
    const first = await result;
    assert.equal(inventory.tasks.get(task.id)?.status, 'succeeded');
    assert.equal(progress.at(-1), 1);
    assert.equal(first.downloaded, true);
    assert.equal((await ssh.run(['sha256sum', first.path])).split(' ')[0], web.image.sha256);
    assert.equal(gets(path), before + 1);
    assert.ok(progress.every((f) => f >= 0 && f <= 1));
    const second = await s.deploy({
      template: 'meta',
      pool: 'tb:default',
      poolDir: pool,
      hosts: ['tb'],
    });
    assert.deepEqual(second, { ...first, downloaded: false });
    assert.equal(gets(path), before + 1, 'the second deployment downloaded nothing');
    assert.deepEqual(
      s
        .list()
        .find((x) => x.name === 'meta')
        ?.pools.map((p) => p.pool),
      ['tb:default'],
    );
  });

  await t.test('two deployments on one pool at once download once', async () => {
    const path = `/files/${web.image.name}?concurrent`;
    await s.register({
      name: 'concurrent',
      url: `${web.http}${path}`,
      checksum: sha256,
      directDownload: true,
    });
    const before = gets(path);
    const deploy = () =>
      s.deploy({ template: 'concurrent', pool: 'tb:concurrent', poolDir: pool, hosts: ['tb'] });
    const [first, second] = await Promise.all([deploy(), deploy()]);
    assert.deepEqual([first.downloaded, second.downloaded], [true, false]);
    assert.equal(second.path, first.path);
    assert.equal(gets(path), before + 1);
    await ssh.run(['rm', '-f', first.path]);
    s.remove('concurrent');
  });

  await t.test('a template kept in the image store is copied from there, not fetched', async () => {
    // Its own URL, so other test files fetching the image do not count.
    const path = `/files/${web.image.name}?store-copy`;
    await s.register({
      name: 'store-copy',
      url: `${web.http}${path}`,
      checksum: `{SHA-256}${web.image.sha256}`,
    });
    const before = gets(path);
    const lines: string[] = [];
    const copy = await s.deploy({
      template: 'store-copy',
      pool: 'tb:store-copy',
      poolDir: pool,
      hosts: ['tb'],
      log: (line) => lines.push(line),
    });
    assert.equal(copy.downloaded, true);
    assert.match(lines.join('\n'), /from the image store/);
    assert.equal((await ssh.run(['sha256sum', copy.path])).split(' ')[0], web.image.sha256);
    assert.equal(gets(path), before, 'nothing was fetched from the URL');
    // Both copies gone: the host downloads it from its URL instead.
    await ssh.run(['rm', '-f', copy.path]);
    rmSync(s.list().find((x) => x.name === 'store-copy')!.storePath!);
    const again: string[] = [];
    const downloaded = await s.deploy({
      template: 'store-copy',
      pool: 'tb:store-copy',
      poolDir: pool,
      hosts: ['tb'],
      log: (line) => again.push(line),
    });
    assert.match(again.join('\n'), /image store copy .* is gone: the host downloads it/);
    assert.equal(gets(path), before + 1);
    assert.equal((await ssh.run(['sha256sum', downloaded.path])).split(' ')[0], web.image.sha256);
    await ssh.run(['rm', '-f', downloaded.path]);
    s.remove('store-copy');
  });

  await t.test('a wrong checksum at deployment: 3 attempts, nothing in the pool', async () => {
    const records = new UrlTemplateRecords(inventory.db);
    records.add({
      ...records.get('direct'),
      name: 'wrong',
      checksum: { algorithm: 'sha256', hex: '0'.repeat(64) },
    });
    const files = await poolFiles();
    await assert.rejects(
      s.deploy({ template: 'wrong', pool: 'tb:default', poolDir: pool, hosts: ['tb'] }),
      /after 3 attempts/,
    );
    assert.deepEqual(await poolFiles(), files);
    assert.equal(records.poolCopies.get('wrong', 'tb:default'), undefined);
  });
});

const ctl = convirtctlRunner({
  home: join(bed.runDir, 'url-templates-home'),
  dataDir: join(bed.runDir, 'url-templates-cli'),
});

test('convirtctl image and cert commands', { timeout: 120_000 }, async (t) => {
  mkdirSync(join(bed.runDir, 'url-templates-cli'), { recursive: true });
  mkdirSync(join(bed.runDir, 'url-templates-home', '.ssh'), { recursive: true });
  const url = `${web.http}/files/${web.image.name}`;
  for (const args of [
    ['image', 'register', 'x', '--url', 'http://h/a;reboot'],
    ['image', 'register', 'x', '--url', url, '--checksum', 'abc'],
    ['image', 'register', 'x', '--url', url, '--header', 'A: b\nC: d'],
    ['image', 'check-url', 'file:///etc/shadow'],
    ['cert', 'add', 'x', '--ca', join(web.dir, 'server.key')],
  ]) {
    const r = await ctl(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  }
  const none = await ctl(['image', 'check-url', url]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /No connected host/);
  assert.equal((await ctl(['image', 'deploy', 'nope', '--host', 'tb'])).code, 2);
  const list = await ctl(['image', 'list', '--json']);
  assert.deepEqual([list.code, JSON.parse(list.stdout)], [0, []]);

  const pool = `${bed.imagesDir}/${bed.prefix}clipool`;
  t.after(async () => {
    const ssh = await connectToTestbed(bed);
    await ssh.run(['rm', '-rf', pool]);
    ssh.close();
  });
  const added = await ctl(
    testbedHostAdd(bed, 'tb', ['--accept-host-key', bed.sshd.hostKeyFingerprint]),
  );
  assert.equal(added.code, 0, added.stderr);
  const check = await ctl(['image', 'check-url', `${web.http}/files/image.metalink`]);
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, new RegExp(`FAIL http://127.0.0.1:${web.deadPort}/`));
  assert.match(
    check.stdout,
    new RegExp(`ok   ${web.http}/files/${web.image.name}  ${web.image.size} bytes`),
  );
  const reg = await ctl([
    'image',
    'register',
    'cli-direct',
    '--url',
    url,
    '--checksum',
    sha256,
    '--direct-download',
  ]);
  assert.equal(reg.code, 0, reg.stderr);
  assert.match(reg.stdout, /BYPASSED, Ready/);
  const deploy = () =>
    ctl([
      'image',
      'deploy',
      'cli-direct',
      '--host',
      'tb',
      '--pool-dir',
      pool,
      '--shared-pool',
      'tb-cli',
    ]);
  const missing = await deploy();
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /does not exist/);
  const ssh = await connectToTestbed(bed);
  await ssh.run(['mkdir', '-p', pool]);
  ssh.close();
  const first = await deploy();
  assert.equal(first.code, 0, first.stderr);
  assert.doesNotMatch(first.stdout, /reused/);
  const second = await deploy();
  assert.match(second.stdout, /\(reused\)/);
  const listed = JSON.parse((await ctl(['image', 'list', '--json'])).stdout) as {
    name: string;
    pools: string[];
  }[];
  assert.deepEqual(
    listed.map((l) => [l.name, l.pools]),
    [['cli-direct', ['tb-cli']]],
  );

  // A header's value goes to the secret store; without a terminal, the master passphrase comes
  // from --passphrase-file, and only from a file nobody else can read.
  const header = `${web.header.name}:${web.header.value}`;
  const registerWithHeader = (...extra: string[]) =>
    ctl([
      'image',
      'register',
      'cli-header',
      '--url',
      `${web.http}/header-only/${web.image.name}`,
      '--checksum',
      sha256,
      '--header',
      header,
      '--direct-download',
      ...extra,
    ]);
  const locked = await registerWithHeader();
  assert.notEqual(locked.code, 0);
  assert.match(locked.stderr, /No master passphrase was given/);
  const passphraseFile = join(bed.runDir, 'url-templates-home', 'passphrase');
  writeFileSync(passphraseFile, 'cli master passphrase\n', { mode: 0o640 });
  chmodSync(passphraseFile, 0o640);
  const readable = await registerWithHeader('--passphrase-file', passphraseFile);
  assert.equal(readable.code, 2);
  assert.match(readable.stderr, /chmod 600/);
  chmodSync(passphraseFile, 0o600);
  const registered = await registerWithHeader('--passphrase-file', passphraseFile);
  assert.equal(registered.code, 0, registered.stderr);
  // Listing needs no passphrase; removing does (the header's value leaves the store).
  const imageList = await ctl(['image', 'list', '--json']);
  assert.equal(imageList.code, 0, imageList.stderr);
  const stored = JSON.parse(imageList.stdout) as { name: string; headers: string[] }[];
  assert.deepEqual(stored.find((l) => l.name === 'cli-header')?.headers, [web.header.name]);
  const wrongFile = join(bed.runDir, 'url-templates-home', 'wrong-passphrase');
  writeFileSync(wrongFile, 'not it\n', { mode: 0o600 });
  const remove = (file: string, ...extra: string[]) =>
    ctl(['image', 'remove', 'cli-header', '--passphrase-file', file, ...extra]);
  const wrong = await remove(wrongFile, '--yes');
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /Wrong master passphrase/);
  const unconfirmed = await remove(passphraseFile);
  assert.equal(unconfirmed.code, 2);
  assert.match(unconfirmed.stderr, /needs --yes/);
  const removed = await remove(passphraseFile, '--yes');
  assert.equal(removed.code, 0, removed.stderr);
  const after = JSON.parse((await ctl(['image', 'list', '--json'])).stdout) as { name: string }[];
  assert.deepEqual(
    after.map((l) => l.name),
    ['cli-direct'],
  );
});
