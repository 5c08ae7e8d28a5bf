// Templates and ISOs through the contract: arguments refused by the same validators main uses
// (no task starts), header values never sent back, removal of a record and its store copy, the
// templatesChanged event. Over a real temporary inventory; no host is needed for any of it.
import { dirname } from 'node:path';
import { passphraseProtection } from '../../../app/main/secrets/passphrase-protection.js';
import { configureVault } from '../../../app/main/secrets/vault-registry.js';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { UrlTemplateRecords } from '../../../app/main/templates/template-records.js';
import type { ClientEvents } from '../../../app/main/backend/convirt-backend.js';
import { convirtContract } from '../../../app/shared/contract/convirt-contract.js';
import { parseArgs } from '../../../app/shared/contract/define.js';
import type { Task } from '../../../app/shared/domain/inventory.js';
import { InvalidInputError } from '../../../app/shared/validation/names.js';
import { tempDir } from '../inventory/temp-inventory.js';
import { tempBackend } from './temp-backend.js';

const SHA256 = `{SHA-256}${'a'.repeat(64)}`;
const register = convirtContract.methods.registerTemplate;

function refusedField(args: unknown[]): string {
  try {
    parseArgs(register, 'registerTemplate', args);
  } catch (err) {
    assert.ok(err instanceof InvalidInputError, String(err));
    return err.message;
  }
  assert.fail(`accepted ${JSON.stringify(args)}`);
}

test('registerTemplate arguments are checked by the shared validators', () => {
  const ok = { name: 'debian', url: 'http://example.com/d.qcow2', checksum: SHA256 };
  assert.deepEqual(parseArgs(register, 'registerTemplate', [ok]), [ok]);
  assert.match(refusedField([{ ...ok, checksum: 'a'.repeat(64) }]), /md5 needs 32 hex digits/);
  assert.match(refusedField([{ ...ok, checksum: '{SHA-256}xyz' }]), /hexadecimal/);
  assert.match(refusedField([{ ...ok, url: 'ftp://example.com/a' }]), /only http and https/);
  assert.match(refusedField([{ ...ok, url: 'http://h/a;reboot' }]), /not allowed/);
  assert.match(refusedField([{ ...ok, headers: ['X-A: b\r\nHost: evil'] }]), /line break/);
  assert.match(refusedField([{ ...ok, name: '-rf' }]), /Invalid name/);
  assert.match(refusedField([{ ...ok, os: 'Debian; reboot' }]), /Invalid OS name/);
  assert.match(refusedField([{ ...ok, format: 'vmdk' }]), /expected 'qcow2' \| 'raw' \| 'iso'/);
  assert.match(refusedField([{ ...ok, extra: 1 }]), /unknown field extra/);
});

test('certificate uploads and names are checked before anything runs', () => {
  const add = convirtContract.methods.addCertificate;
  assert.throws(
    () => parseArgs(add, 'addCertificate', [{ name: 'bad name', kind: 'ca', pem: 'x' }]),
    /Invalid certificate name/,
  );
  assert.throws(
    () => parseArgs(add, 'addCertificate', [{ name: 'ca1', kind: 'server', pem: 'x' }]),
    /expected 'ca' \| 'client'/,
  );
});

test('a template list names the HTTP headers and never carries their values', async (t) => {
  const { backend, inventory } = tempBackend(t);
  const session = backend.attach(() => {});
  t.after(() => session.close());
  // Header values live in the secret store, which must be open to register one.
  await configureVault(
    dirname(inventory.db.name),
    passphraseProtection(() => Promise.resolve('master')),
  ).unlock();
  new UrlTemplateRecords(inventory.db).add({
    name: 'secret-src',
    format: 'qcow2',
    url: 'http://example.com/a.qcow2',
    checksum: { algorithm: 'sha256', hex: 'a'.repeat(64) },
    hypervisor: 'kvm',
    headers: [{ name: 'Authorization', value: 'Bearer s3cr3t-token' }],
    directDownload: true,
    downloadState: 'BYPASSED',
    size: 42,
  });
  const [view] = await session.service.listTemplates();
  assert.deepEqual(view?.headerNames, ['Authorization']);
  assert.equal(view?.checksum, SHA256);
  assert.deepEqual([view?.state, view?.downloadState, view?.size], ['Ready', 'BYPASSED', 42]);
  assert.ok(!JSON.stringify(view).includes('s3cr3t'), 'no header value in the view');
});

test('registering refuses a taken name with no task; with no host the task says so', async (t) => {
  const { backend, inventory } = tempBackend(t);
  const events: string[] = [];
  let taskEnded: (task: Task) => void = () => {};
  const ended = new Promise<Task>((resolve) => (taskEnded = resolve));
  const emit: ClientEvents = (event, payload) => {
    events.push(event);
    if (event === 'taskUpdated' && (payload as Task).endedAt) taskEnded(payload as Task);
  };
  const session = backend.attach(emit);
  t.after(() => session.close());
  new UrlTemplateRecords(inventory.db).add({
    name: 'taken',
    format: 'iso',
    url: 'http://example.com/a.iso',
    hypervisor: 'kvm',
    headers: [],
    directDownload: true,
    downloadState: 'BYPASSED',
  });
  const url = 'http://example.com/b.qcow2';
  await assert.rejects(session.service.registerTemplate({ name: 'taken', url }), {
    name: 'ContractError',
    message: /already exists/,
  });
  assert.deepEqual(await session.service.listTasks(), []);

  const task = await session.service.registerTemplate({ name: 'new', url, checksum: SHA256 });
  assert.equal(task.kind, 'template.register');
  const failed = await ended;
  assert.equal(failed.status, 'failed');
  assert.match(failed.error ?? '', /No connected kvm host/);
  assert.ok(!events.includes('templatesChanged'));
});

test('removing a template deletes its image store copy and tells every client', async (t) => {
  const { backend, inventory } = tempBackend(t);
  const events: string[] = [];
  const session = backend.attach((event) => events.push(event));
  t.after(() => session.close());
  const storePath = join(tempDir(t), 'stored.qcow2');
  writeFileSync(storePath, 'image');
  const records = new UrlTemplateRecords(inventory.db);
  records.add({
    name: 'stored',
    format: 'qcow2',
    url: 'http://example.com/a.qcow2',
    checksum: { algorithm: 'md5', hex: 'b'.repeat(32) },
    hypervisor: 'kvm',
    headers: [],
    directDownload: false,
    downloadState: 'DOWNLOADED',
    storePath,
  });
  records.poolCopies.add({
    template: 'stored',
    pool: 'web1:default',
    path: '/var/lib/libvirt/images/template-stored.qcow2',
    size: 5,
    downloadedBy: 'web1',
  });
  const { leftOnPools } = await session.service.removeTemplate('stored');
  assert.deepEqual(
    leftOnPools.map((c) => c.path),
    ['/var/lib/libvirt/images/template-stored.qcow2'],
  );
  assert.equal(existsSync(storePath), false);
  assert.deepEqual(await session.service.listTemplates(), []);
  assert.ok(events.includes('templatesChanged'));
  await assert.rejects(session.service.removeTemplate('stored'), /No template or ISO named/);
});
