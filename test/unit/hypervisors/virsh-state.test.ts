import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseVirshState } from '../../../app/main/hypervisors/kvm/virsh.js';

test('virsh domstate words map to ConVirt states', () => {
  assert.equal(parseVirshState('running\n'), 'running');
  assert.equal(parseVirshState('shut off'), 'shutoff');
  assert.equal(parseVirshState('paused'), 'paused');
  assert.equal(parseVirshState('pmsuspended'), 'pmsuspended');
  assert.equal(parseVirshState('crashed'), 'crashed');
  assert.equal(parseVirshState('in shutdown'), 'running');
  assert.equal(parseVirshState('something new'), 'unknown');
});
