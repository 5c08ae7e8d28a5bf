import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseVncEndpoint } from '../../../app/main/hypervisors/kvm/vnc-endpoint.js';

const domain = (devices: string) =>
  `<domain type='qemu' id='3'><name>db2</name><devices>${devices}</devices></domain>`;

test('the port libvirt chose and the listen address of a running VNC display', () => {
  const xml = domain(`
    <graphics type='vnc' port='5901' autoport='yes' listen='127.0.0.1'>
      <listen type='address' address='127.0.0.1'/>
    </graphics>`);
  assert.deepEqual(parseVncEndpoint(xml, 'web1/db2'), {
    kind: 'tcp',
    address: '127.0.0.1',
    port: 5901,
  });
});

test('a wildcard or missing listen address is reached on the host loopback', () => {
  for (const listen of [`listen='0.0.0.0'`, `listen='::'`, '']) {
    const xml = domain(`<graphics type='vnc' port='5902' ${listen}/>`);
    assert.deepEqual(parseVncEndpoint(xml, 'v'), { kind: 'tcp', address: '127.0.0.1', port: 5902 });
  }
  const specific = domain(
    `<graphics type='vnc' port='5903'><listen type='address' address='192.0.2.7'/></graphics>`,
  );
  assert.equal((parseVncEndpoint(specific, 'v') as { address: string }).address, '192.0.2.7');
});

test('VNC is picked among several displays; a UNIX socket is reported as such', () => {
  const xml = domain(`
    <graphics type='spice' port='5930'/>
    <graphics type='vnc' socket='/run/libvirt/qemu/vnc.sock'>
      <listen type='socket' socket='/run/libvirt/qemu/vnc.sock'/>
    </graphics>`);
  assert.deepEqual(parseVncEndpoint(xml, 'v'), {
    kind: 'socket',
    path: '/run/libvirt/qemu/vnc.sock',
  });
});

test('plain errors: no display, only SPICE, not running, not a domain', () => {
  assert.throws(
    () => parseVncEndpoint(domain(''), 'web1/db2'),
    /web1\/db2 has no graphical display/,
  );
  assert.throws(
    () => parseVncEndpoint(domain(`<graphics type='spice' port='5930'/>`), 'v'),
    /no VNC display \(only spice\)/,
  );
  assert.throws(
    () => parseVncEndpoint(domain(`<graphics type='vnc' port='-1' autoport='yes'/>`), 'v'),
    /no port yet: is the VM running\?/,
  );
  assert.throws(() => parseVncEndpoint('<network/>', 'v'), /not a libvirt domain/);
});
