// The DTC hooks' network configuration (image_store/custom_scripts/network_*), run on an empty
// tree with the shell every host has: Debian style, Red Hat style, and setup_network's choice.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPOSITORY_STORE } from '../../../app/main/image-store/image-store.js';
import { validateParam } from '../../../app/shared/validation/provision-params.js';

const dir = mkdtempSync(join(tmpdir(), 'convirt-dtc-network-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** An empty root tree (with `extra` folders) after setup_network with `style`. */
function setupNetwork(name: string, style: string, extra: string[] = []): string {
  const root = join(dir, name);
  for (const d of ['etc', ...extra]) mkdirSync(join(root, d), { recursive: true });
  const params = join(dir, `${name}.params`);
  writeFileSync(
    params,
    `hostname='${name}'\nip_address='10.99.0.30/23'\ngateway='10.99.0.1'\ndns='10.99.0.2'\nnetwork_style='${style}'\n`,
  );
  execFileSync('sh', [join(REPOSITORY_STORE, 'debian-dtc', 'setup_network'), root, params]);
  return root;
}

const read = (root: string, path: string) => readFileSync(join(root, path), 'utf8');

test('Debian style: /etc/network/interfaces with the address and gateway', () => {
  const root = setupNetwork('deb', 'debian');
  assert.equal(read(root, 'etc/hostname'), 'deb\n');
  assert.match(
    read(root, 'etc/network/interfaces'),
    /iface eth0 inet static\n\taddress 10\.99\.0\.30\/23\n\tgateway 10\.99\.0\.1/,
  );
  assert.equal(read(root, 'etc/resolv.conf'), 'nameserver 10.99.0.2\n');
});

test('Red Hat style: ifcfg-eth0 with IPADDR, PREFIX and its NETMASK; sysconfig/network', () => {
  const root = setupNetwork('rh', 'redhat');
  const ifcfg = read(root, 'etc/sysconfig/network-scripts/ifcfg-eth0');
  for (const line of [
    'DEVICE=eth0',
    'BOOTPROTO=static',
    'ONBOOT=yes',
    'IPADDR=10.99.0.30',
    'PREFIX=23',
    'NETMASK=255.255.254.0',
    'GATEWAY=10.99.0.1',
    'DNS1=10.99.0.2',
  ])
    assert.match(ifcfg, new RegExp(`^${line}$`, 'm'));
  assert.match(read(root, 'etc/sysconfig/network'), /^HOSTNAME=rh$/m);
  assert.equal(read(root, 'etc/hostname'), 'rh\n');
});

test("auto: Red Hat style for a tree with /etc/sysconfig, Debian's otherwise", () => {
  const rh = setupNetwork('auto-rh', 'auto', ['etc/sysconfig']);
  assert.match(read(rh, 'etc/sysconfig/network-scripts/ifcfg-eth0'), /IPADDR=10\.99\.0\.30/);
  const deb = setupNetwork('auto-deb', 'auto');
  assert.match(read(deb, 'etc/network/interfaces'), /address 10\.99\.0\.30\/23/);
});

test('network_style is one of auto, debian, redhat', () => {
  assert.equal(validateParam('network_style', 'redhat'), 'redhat');
  assert.throws(
    () => validateParam('network_style', 'gentoo'),
    /expected one of auto, debian, redhat, got "gentoo"/,
  );
});
