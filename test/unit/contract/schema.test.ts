// The contract's argument schemas and parseArgs: what fits passes through typed, what does not
// is refused naming the field.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convirtContract } from '../../../app/shared/contract/convirt-contract.js';
import { method, parseArgs } from '../../../app/shared/contract/define.js';
import {
  array,
  boolean,
  bytes,
  integer,
  nullable,
  object,
  oneOf,
  optional,
  string,
} from '../../../app/shared/contract/schema.js';
import { InvalidInputError } from '../../../app/shared/validation/names.js';

const refused = (fn: () => unknown, field: string) =>
  assert.throws(fn, (err: unknown) => err instanceof InvalidInputError && err.field === field);

test('strings: type, length and pattern', () => {
  const name = string({ max: 5, pattern: /^[a-z]+$/ });
  assert.equal(name.parse('abc', 'f'), 'abc');
  refused(() => name.parse(3, 'f'), 'f');
  refused(() => name.parse('abcdef', 'f'), 'f');
  refused(() => name.parse('a b', 'f'), 'f');
});

test('integers, booleans, bytes and enumerations', () => {
  const port = integer({ min: 1, max: 65535 });
  assert.equal(port.parse(22, 'port'), 22);
  for (const bad of [0, 65536, 1.5, '22', Number.NaN])
    refused(() => port.parse(bad, 'port'), 'port');
  assert.equal(boolean.parse(false, 'b'), false);
  refused(() => boolean.parse('true', 'b'), 'b');
  const data = new Uint8Array([1, 2]);
  assert.equal(bytes.parse(data, 'd'), data);
  refused(() => bytes.parse([1, 2], 'd'), 'd');
  const action = oneOf(['start', 'stop']);
  assert.equal(action.parse('stop', 'a'), 'stop');
  refused(() => action.parse('explode', 'a'), 'a');
});

test('optional, nullable and arrays', () => {
  assert.equal(optional(integer()).parse(undefined, 'x'), undefined);
  refused(() => optional(integer()).parse(null, 'x'), 'x');
  assert.equal(nullable(integer()).parse(null, 'x'), null);
  assert.deepEqual(array(integer(), { max: 2 }).parse([1, 2], 'xs'), [1, 2]);
  refused(() => array(integer(), { max: 2 }).parse([1, 2, 3], 'xs'), 'xs');
  refused(() => array(integer()).parse([1, 'b'], 'xs'), 'xs[1]');
});

test('objects refuse unknown keys and name the nested field', () => {
  const ref = object({ host: string(), port: optional(integer()) });
  assert.deepEqual(ref.parse({ host: 'a' }, 'r'), { host: 'a' });
  refused(() => ref.parse({ host: 'a', extra: 1 }, 'r'), 'r');
  refused(() => ref.parse({ host: 'a', toString: 1 }, 'r'), 'r');
  refused(() => ref.parse(JSON.parse('{"host":"a","__proto__":{}}'), 'r'), 'r');
  refused(() => ref.parse({ host: 1 }, 'r'), 'r.host');
  refused(() => ref.parse([], 'r'), 'r');
  refused(() => ref.parse(null, 'r'), 'r');
});

test('parseArgs checks every argument and the count', () => {
  const spec = method<void>()(string(), optional(integer()));
  assert.deepEqual(parseArgs(spec, 'm', ['a']), ['a', undefined]);
  assert.deepEqual(parseArgs(spec, 'm', ['a', 2]), ['a', 2]);
  refused(() => parseArgs(spec, 'm', ['a', 2, 3]), 'm');
  refused(() => parseArgs(spec, 'm', 'a'), 'm');
  refused(() => parseArgs(spec, 'm', []), 'm#1');
});

test("the contract's own schemas refuse what would be unsafe on a host", () => {
  const { vmAction, addHost, setIso } = convirtContract.methods;
  refused(
    () => parseArgs(vmAction, 'vmAction', [{ host: 'h', vm: '-rf' }, 'start']),
    'vmAction#1.vm',
  );
  refused(
    () => parseArgs(vmAction, 'vmAction', [{ host: 'h', vm: 'a;reboot' }, 'start']),
    'vmAction#1.vm',
  );
  refused(
    () => parseArgs(addHost, 'addHost', [{ name: 'h', address: 'a b' }]),
    'addHost#1.address',
  );
  refused(
    () => parseArgs(addHost, 'addHost', [{ name: 'h', address: 'a', acceptFingerprint: 'MD5:00' }]),
    'addHost#1.acceptFingerprint',
  );
  refused(() => parseArgs(setIso, 'setIso', [{ host: 'h', vm: 'v' }, 'relative.iso']), 'setIso#2');
  assert.deepEqual(parseArgs(setIso, 'setIso', [{ host: 'h', vm: 'v' }, null]), [
    { host: 'h', vm: 'v' },
    null,
  ]);
});
