// The wire codec carries bytes, omitted arguments and `$` keys through JSON unchanged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  decodeBase64,
  decodeWire,
  encodeBase64,
  encodeWire,
} from '../../../app/shared/contract/wire.js';

test('base64 matches Node for every length and byte value', () => {
  const all = new Uint8Array(256).map((_, i) => i);
  for (let length = 0; length <= 256; length++) {
    const bytes = all.subarray(0, length);
    const text = encodeBase64(bytes);
    assert.equal(text, Buffer.from(bytes).toString('base64'));
    assert.deepEqual(decodeBase64(text), bytes);
  }
  assert.throws(() => decodeBase64('abc'));
  assert.throws(() => decodeBase64('ab!='));
});

test('console bytes survive the wire exactly', () => {
  const data = new Uint8Array([0, 255, 27, 91, 109, 10, 13, 0xe2, 0x82]);
  const decoded = decodeWire(
    encodeWire({ event: 'consoleData', payload: { consoleId: 'c', data } }),
  );
  assert.deepEqual(decoded, { event: 'consoleData', payload: { consoleId: 'c', data } });
  assert.ok((decoded as { payload: { data: unknown } }).payload.data instanceof Uint8Array);
});

test('an omitted argument stays omitted, not null', () => {
  const decoded = decodeWire(encodeWire({ id: 1, method: 'm', args: ['a', undefined, 3] })) as {
    args: unknown[];
  };
  assert.equal(decoded.args.length, 3);
  assert.equal(decoded.args[1], undefined);
  assert.equal(decoded.args[2], 3);
});

test('objects whose keys look like tags are not mistaken for them', () => {
  const tricky = { $bytes: 'AAAA', $undefined: 1, $$x: [{ $bytes: 'not bytes' }], plain: null };
  assert.deepEqual(decodeWire(encodeWire(tricky)), tricky);
  const proto = decodeWire('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(proto), Object.prototype);
  assert.deepEqual(Object.keys(proto), ['__proto__']);
});

test('any JSON value with bytes anywhere round-trips', () => {
  const value = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.uint8Array({ maxLength: 40 }),
      fc.array(tie('node'), { maxLength: 4 }),
      fc.dictionary(fc.string({ maxLength: 6 }), tie('node'), {
        maxKeys: 4,
        noNullPrototype: true,
      }),
    ),
  })).node;
  fc.assert(
    fc.property(value, (v) => {
      assert.deepEqual(decodeWire(encodeWire(v)), v);
    }),
  );
});

test('a message with nothing to tag is plain JSON both ways', () => {
  const snapshot = { vms: [{ name: 'web1', tags: ['$not-a-key'], cpuPercent: null }], seq: 3 };
  assert.equal(encodeWire(snapshot), JSON.stringify(snapshot));
  assert.deepEqual(decodeWire(encodeWire(snapshot)), snapshot);
  // A string value starting with `$` takes the tagged path on decoding, with the same result.
  assert.deepEqual(decodeWire('{"a":"$HOME","b":[1]}'), { a: '$HOME', b: [1] });
});

test('plain and tagged messages carry Buffers, Dates and holes alike', () => {
  const when = new Date('2026-12-05T21:00:00Z');
  // eslint-disable-next-line no-sparse-arrays -- a hole is what this checks
  const plain = { at: when, list: [1, , 3], nested: { gone: undefined } };
  const tagged = { ...plain, bytes: new Uint8Array([1, 2]) };
  const expected = { at: when.toISOString(), list: [1, null, 3], nested: {} };
  assert.deepEqual(decodeWire(encodeWire(plain)), expected);
  assert.deepEqual(decodeWire(encodeWire(tagged)), { ...expected, bytes: new Uint8Array([1, 2]) });
  // A Buffer is bytes, not the object its toJSON makes.
  const decoded = decodeWire(encodeWire({ data: Buffer.from('hi') })) as { data: Uint8Array };
  assert.deepEqual([...decoded.data], [104, 105]);
});
