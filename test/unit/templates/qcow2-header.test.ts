// The qcow2 header: magic QFI\xfb, the virtual size as a big-endian 64-bit number at offset 24.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { qcow2VirtualSize } from '../../../app/main/templates/url-check.js';

function header(size: bigint, magic = [0x51, 0x46, 0x49, 0xfb]): Uint8Array {
  const bytes = new Uint8Array(32);
  bytes.set(magic);
  new DataView(bytes.buffer).setBigUint64(24, size);
  return bytes;
}

test('the virtual size of a qcow2 header', () => {
  assert.equal(qcow2VirtualSize(header(64n * 1024n * 1024n)), 64 * 1024 * 1024);
  assert.equal(qcow2VirtualSize(header(2n ** 40n)), 2 ** 40);
});

test('anything else has no size', () => {
  assert.equal(qcow2VirtualSize(header(1024n, [0x7f, 0x45, 0x4c, 0x46])), undefined);
  assert.equal(qcow2VirtualSize(header(1024n).subarray(0, 31)), undefined);
  assert.equal(qcow2VirtualSize(new Uint8Array()), undefined);
  // Larger than a JavaScript number holds exactly.
  assert.equal(qcow2VirtualSize(header(2n ** 60n)), undefined);
});
