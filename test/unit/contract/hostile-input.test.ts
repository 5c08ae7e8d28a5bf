// Every text field of every contract method (found by walking the declared schemas), attacked at
// the contract's edge, where every transport checks arguments: hostile text is refused with an
// InvalidInputError naming the field, or accepted only when nothing in it could act (inert()),
// unless the field holds text as data, each listed below with where it goes. A new text field fails this test until it refuses hostile text or is listed.
// The same campaign runs against a real host in test/integration/hostile-input.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { convirtContract } from '../../../app/shared/contract/convirt-contract.js';
import { parseArgs } from '../../../app/shared/contract/define.js';
import type { Schema } from '../../../app/shared/contract/schema.js';
import { InvalidInputError, validateLabel } from '../../../app/shared/validation/names.js';
import {
  argsWithText,
  DOT_NAMES,
  hostilePayloads,
  hostileText,
  slotName,
  textSlots,
  type TextSlot,
} from '../../support/hostile-input.js';

/** Labels: any printable text, stored and shown as text; control and format characters refused. */
const LABELS = [
  'addHost#0.group',
  'createGroup#0',
  'renameGroup#1',
  'setHostTags#1.0',
  'setVmTags#1.0',
  'deployTemplate#3',
];

/** Fields whose text is data, and where it goes. */
const TEXT_AS_DATA: Record<string, string> = {
  ...Object.fromEntries(LABELS.map((slot) => [slot, 'a label: stored and shown as text'])),
  'registerTemplate#0.os': 'the OS shown with a template: letters, digits, spaces, . _ -',
  'answerSecret#0': 'a request id, looked up among the open questions',
  'answerSecret#1': 'a password or passphrase: handed to SSH, never to a shell',
  'forgetSecret#0': 'a secret id, looked up in the store',
  'setGuestPassword#2': "a guest user's password: sent base64-encoded to the guest agent",
  'provisionVm#3.key': "a parameter's value: main checks it by the type image.conf gives it",
  'provisionFromTemplate#3.key': "a parameter's value: main checks it by its type",
  'taskLog#0': 'a task id, looked up',
  'cancelTask#0': 'a task id, looked up',
  'getTask#0': 'a task id, looked up',
  'waitForTask#0': 'a task id, looked up',
  'consoleInput#0': "a console id, looked up among the client's consoles",
  'consoleResize#0': "a console id, looked up among the client's consoles",
  'consoleAck#0': "a console id, looked up among the client's consoles",
  'closeConsole#0': "a console id, looked up among the client's consoles",
  ...Object.fromEntries(
    ['registerTemplate#0.url', 'checkTemplateUrl#0', 'subscribeImageList#0.url'].map((slot) => [
      slot,
      "a download URL (validateDownloadUrl: printable ASCII, no shell character but a query's ? & #): one argument of curl",
    ]),
  ),
  'addHost#0.libvirtUri':
    'a libvirt URI: one argument of `virsh -c`, free of shell characters (its pattern)',
  'addHost#0.identityFile': 'a key file on this machine, read by ConVirt itself, never by a shell',
  'uploadIso#1':
    'a file on this machine, read by ConVirt itself (from the UI only an ISO 9660 image), never by a shell',
  'checkTemplateUrl#1.0': "an HTTP header's value (a secret): handed to curl on its standard input",
  'registerTemplate#0.headers.0': "an HTTP header's value (a secret): kept in the secret store",
  'addCertificate#0.pem': 'PEM text, parsed as a certificate before anything is stored',
  'addCertificate#0.keyPem': 'PEM text, parsed as a private key before anything is stored',
  'subscribeImageList#0.trustCaFile':
    'a CA file on this machine: one argument of `openssl smime -verify -CAfile`, never a shell',
  'subscribeImageList#0.trustCaDir':
    'a CA folder on this machine: one argument of `openssl smime -verify -CApath`, never a shell',
  'subscribeImageList#0.endorserDn':
    "a certificate subject: compared with the list signer's, stored, never given to a program",
  'subscribeImageList#0.headers.0': "an HTTP header's value (a secret): kept in the secret store",
};

const CANARY = '/tmp/convirt-hostile-canary';
const slots = textSlots(convirtContract);

/** Harmless values, the first one a field accepts (test/support/hostile-input.ts). */
const HARMLESS = [
  'tb',
  'SHA256:' + 'A'.repeat(43),
  'http://127.0.0.1/x.iso',
  'X-Token:1',
  'sha256:' + 'a'.repeat(64),
  '/tmp/x',
];
const harmless = (schema: Schema<unknown>) =>
  HARMLESS.find((value) => {
    try {
      schema.parse(value, 'x');
      return true;
    } catch {
      return false;
    }
  });

function check(slot: TextSlot, text: string): void {
  const spec = convirtContract.methods[slot.method as keyof typeof convirtContract.methods];
  const args = argsWithText(spec, slot, text, harmless);
  const name = slotName(slot);
  let refused: unknown = null;
  try {
    parseArgs(spec, slot.method, args);
  } catch (err) {
    refused = err;
  }
  if (refused !== null) {
    assert.ok(refused instanceof InvalidInputError, `${name}: ${(refused as Error).message}`);
    assert.ok(refused.field.startsWith(slot.method), `${name}: field ${refused.field}`);
    return;
  }
  if (LABELS.includes(name)) assert.doesNotThrow(() => validateLabel(text));
  if (name in TEXT_AS_DATA) return;
  assert.ok(inert(text), `${name} accepted ${JSON.stringify(text.slice(0, 200))}`);
}

/**
 * What a field that names something may accept of hostile text: nothing a shell or a command's
 * option parser would act on, no invisible or control character, no `.` or `..` path segment.
 */
function inert(text: string): boolean {
  return (
    !/[$`'"\\;|&<>*?{}\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u.test(text) &&
    !text.startsWith('-') &&
    !text.split('/').some((segment) => segment === '.' || segment === '..')
  );
}

test('the campaign reaches every method that takes text', () => {
  const methods = new Set(slots.map((s) => s.method));
  for (const [method, spec] of Object.entries(convirtContract.methods)) {
    const takesText = spec.args.some((schema) =>
      JSON.stringify(describeKinds(schema)).includes('string'),
    );
    assert.equal(methods.has(method), takesText, method);
  }
  const names = slots.map(slotName);
  for (const listed of Object.keys(TEXT_AS_DATA)) assert.ok(names.includes(listed), listed);
});

/** The kinds inside a schema, to cross-check textSlots' walk. */
function describeKinds(schema: Schema<unknown>): unknown {
  const node = schema.node;
  switch (node.kind) {
    case 'optional':
    case 'nullable':
      return describeKinds(node.inner);
    case 'array':
      return [describeKinds(node.item)];
    case 'object':
      return Object.values(node.shape).map(describeKinds);
    case 'record':
      return ['string', describeKinds(node.value)];
    default:
      return node.kind;
  }
}

test('every payload into every text field, then 10,000 generated ones', () => {
  for (const slot of slots) {
    for (const payload of [...hostilePayloads(CANARY), ...DOT_NAMES]) check(slot, payload);
  }
  // Half of them after a value the field accepts, to get past its first checks.
  const hostileCall = fc
    .constantFrom(...slots)
    .chain((slot) =>
      hostileText(CANARY, harmless(slot.schema) ?? '').map((text) => [slot, text] as const),
    );
  fc.assert(
    fc.property(hostileCall, ([slot, text]) => check(slot, text)),
    { numRuns: 10_000, seed: 17 },
  );
});

test('fields that name things refuse . and .., options, shell and control characters', () => {
  const refused = (method: keyof typeof convirtContract.methods, args: unknown[]) =>
    assert.throws(
      () => parseArgs(convirtContract.methods[method], method, args),
      InvalidInputError,
      `${method} ${JSON.stringify(args)}`,
    );
  for (const name of ['.', '..']) {
    refused('refreshHost', [name]);
    refused('vmAction', [{ host: 'tb', vm: name }, 'start']);
    refused('createSnapshot', [{ host: 'tb', vm: 'a' }, name, {}]);
  }
  const host = { name: 'tb', address: '127.0.0.1' };
  refused('addHost', [{ ...host, address: '-oProxyCommand' }]);
  refused('addHost', [{ ...host, address: '--help' }]);
  for (const uri of [
    'qemu:///system?$(touch x)',
    'qemu:///sys`id`',
    "test:///a'b",
    'qemu:///a\0',
  ]) {
    refused('addHost', [{ ...host, libvirtUri: uri }]);
  }
  refused('addHost', [{ ...host, group: 'Rack\n1' }]);
  refused('setIso', [{ host: 'tb', vm: 'a' }, '/isos/$(touch x).iso']);
  refused('isoSettings', ['tb', { dir: '/isos/../etc' }]);
  refused('deployTemplate', ['t', 'tb', '/pool/`id`']);
  refused('createGroup', ['\u202eevil', null]);
  refused('setHostTags', ['tb', ['a\u0000b']]);
});
