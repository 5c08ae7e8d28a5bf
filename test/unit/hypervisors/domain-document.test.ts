import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  DomainDocument,
  GUEST_AGENT_CHANNEL,
} from '../../../app/main/hypervisors/kvm/domain-xml.js';

// `virsh dumpxml --inactive` of a domain defined without the agent channel (captured here).
const xml = readFileSync(
  join(import.meta.dirname, '../../fixtures/kvm/dumpxml-no-agent.xml'),
  'utf8',
);

test('adds the guest agent channel to an existing domain, once, keeping everything else', () => {
  const doc = new DomainDocument(xml);
  assert.equal(doc.hasGuestAgentChannel(), false);
  assert.equal(doc.addGuestAgentChannel(), true);
  assert.equal(doc.addGuestAgentChannel(), false);
  const out = doc.toXml();
  assert.ok(
    out.includes(`name="${GUEST_AGENT_CHANNEL}"`) || out.includes(`name='${GUEST_AGENT_CHANNEL}'`),
  );
  const again = new DomainDocument(out);
  assert.equal(again.hasGuestAgentChannel(), true);
  assert.equal(again.name, 'cvtest-1-dump');
  assert.deepEqual(again.disks(), new DomainDocument(xml).disks());
  // Element order is kept: <name> still comes first, <devices> after <os>.
  assert.ok(out.indexOf('<name>') < out.indexOf('<os>'));
  assert.ok(out.indexOf('<os>') < out.indexOf('<devices>'));
});

test('a clone gets a new name, no UUID, no MAC addresses and new disk paths', () => {
  const doc = new DomainDocument(xml);
  assert.deepEqual(doc.disks(), [
    {
      device: 'disk',
      target: 'vda',
      source: '/var/lib/libvirt/images/cvtest-1-dump.qcow2',
      format: 'qcow2',
      block: false,
    },
  ]);
  doc.name = 'copy1';
  doc.removeUuid();
  doc.removeMacAddresses();
  doc.setDiskSource('vda', '/var/lib/libvirt/images/copy1.qcow2');
  const out = doc.toXml();
  assert.ok(!out.includes('<uuid>'));
  assert.ok(!out.includes('<mac '));
  assert.equal(new DomainDocument(out).disks()[0]!.source, '/var/lib/libvirt/images/copy1.qcow2');
  assert.throws(() => (doc.name = 'a;b'), /Invalid VM name/);
  assert.throws(() => doc.setDiskSource('vda', '/a/../etc/shadow'), /Invalid host path/);
});
