// What the Catalogs view says of subscriptions and images: states in words, a host's download of
// an image's template with its progress, and which buttons an image offers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  imageActions,
  imageOs,
  imageStatus,
  subscriptionStatus,
  unsubscribedNotice,
} from '../../../app/renderer/src/catalogs/catalog-states.js';
import type {
  ImageListImageView,
  ImageListSubscriptionView,
} from '../../../app/shared/domain/image-list.js';
import type { Task } from '../../../app/shared/domain/inventory.js';

const subscription = (over: Partial<ImageListSubscriptionView>): ImageListSubscriptionView => ({
  name: 'example',
  url: 'https://lists.example.org/endorsed.smime',
  trustCaFile: null,
  trustCaDir: '/etc/grid-security/certificates',
  endorserDn: null,
  allowUnsigned: false,
  headerNames: [],
  identifier: 'list-1',
  title: 'Example',
  version: '1.0',
  listCreated: '2026-12-01T00:00:00Z',
  listExpires: '2027-01-01T00:00:00Z',
  endorser: '/DC=org/CN=Jane',
  state: 'current',
  lastCheckedAt: '2026-12-05T12:00:00Z',
  lastError: null,
  createdAt: '2026-12-01T00:00:00Z',
  ...over,
});

const image = (over: Partial<ImageListImageView>): ImageListImageView => ({
  identifier: 'img-1',
  title: 'Tiny',
  version: '3.1',
  uri: 'https://images.example.org/tiny.qcow2',
  size: 4096,
  sha512: 'a'.repeat(128),
  hypervisor: 'QEMU,KVM',
  format: 'qcow2',
  os: 'Linux',
  osVersion: 'Tiny 1',
  arch: 'x86_64',
  expires: null,
  state: 'available',
  template: 'img-1',
  enabled: false,
  note: null,
  ...over,
});

const task = (over: Partial<Task>): Task => ({
  id: 't1',
  kind: 'template.deploy',
  target: 'img-1@kvm1:default',
  status: 'running',
  progress: 0.25,
  message: 'Downloading img-1: 1024 of 4096 bytes',
  error: null,
  createdAt: '2026-12-05T12:00:00Z',
  startedAt: '2026-12-05T12:00:00Z',
  endedAt: null,
  ...over,
});

test('a subscription reads expired, error (a refused update), not checked yet or current', () => {
  assert.equal(
    subscriptionStatus(subscription({ state: 'expired', lastError: 'x' })).label,
    'expired',
  );
  assert.equal(subscriptionStatus(subscription({ lastError: 'bad signature' })).label, 'error');
  assert.equal(subscriptionStatus(subscription({ state: 'new' })).label, 'not checked yet');
  assert.deepEqual(subscriptionStatus(subscription({})), { label: 'current', tone: 'good' });
});

test('an image reads registered disabled, enabled, expired, unusable or not registered', () => {
  assert.equal(imageStatus(image({}), []).label, 'registered, disabled');
  assert.equal(imageStatus(image({ enabled: true }), []).label, 'enabled');
  assert.equal(imageStatus(image({ state: 'expired' }), []).label, 'expired');
  assert.equal(imageStatus(image({ state: 'unusable', template: null }), []).label, 'unusable');
  assert.equal(imageStatus(image({ template: null, enabled: null }), []).label, 'not registered');
});

test("a live download of the image's template shows with its progress; others do not", () => {
  const downloading = imageStatus(image({ enabled: true }), [task({})]);
  assert.deepEqual(downloading, {
    label: 'downloading',
    tone: 'warn',
    download: { progress: 0.25, message: 'Downloading img-1: 1024 of 4096 bytes' },
  });
  const unrelated = [
    task({ status: 'succeeded' }),
    task({ target: 'img-10@kvm1:default' }),
    task({ kind: 'vm.provision', target: 'kvm1/img-1' }),
  ];
  assert.equal(imageStatus(image({ enabled: true }), unrelated).label, 'enabled');
});

test('Enable on a disabled template, Disable and Provision on an enabled one, nothing else', () => {
  assert.deepEqual(imageActions(image({})), { enable: true, disable: false, provision: false });
  assert.deepEqual(imageActions(image({ enabled: true })), {
    enable: false,
    disable: true,
    provision: true,
  });
  const none = { enable: false, disable: false, provision: false };
  assert.deepEqual(imageActions(image({ state: 'expired', enabled: false })), none);
  assert.deepEqual(imageActions(image({ template: null, enabled: null })), none);
});

test('OS from sl:os and sl:osversion; the unsubscribe notice names the templates kept', () => {
  assert.equal(imageOs(image({})), 'Linux Tiny 1');
  assert.equal(imageOs(image({ os: null, osVersion: null })), null);
  assert.equal(
    unsubscribedNotice('example', ['img-1', 'img-2']),
    'Unsubscribed from example; its templates are kept: img-1, img-2.',
  );
  assert.equal(
    unsubscribedNotice('example', []),
    'Unsubscribed from example; it had no templates.',
  );
});
