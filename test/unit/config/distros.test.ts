// The convirt.conf each distribution's package installs as /etc/convirt.conf: it loads without a
// warning and sets exactly the keys ConVirt reads, and its comment states the real search order.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CONFIG_KEYS, loadConfig } from '../../../app/main/config/index.js';

const repository = join(import.meta.dirname, '../../..');

for (const distro of ['fedora', 'ubuntu', 'suse']) {
  test(`distros/${distro}/convirt.conf: every key ConVirt reads, nothing else, no warning`, () => {
    const file = join(repository, 'distros', distro, 'convirt.conf');
    const text = readFileSync(file, 'utf8');
    const config = loadConfig({ flag: file, env: {} });
    assert.deepEqual(config.warnings, []);
    const keys = [...text.matchAll(/^([a-z_]+) =/gm)].map((m) => m[1]);
    assert.deepEqual([...keys].sort(), [...CONFIG_KEYS].sort());
    assert.equal(config.values.image_store, '/var/cache/convirt/image_store');
    assert.equal(config.values.appliance_store, '/var/cache/convirt/appliance_store');
    // Left empty so they stay per user (a user cannot write /var/cache/convirt).
    assert.equal(config.settings.cache_dir.source.kind, 'default');
    assert.equal(config.settings.log_dir.source.kind, 'default');
    assert.match(
      text.replace(/\n# ?/g, ' '),
      /`--config FILE`, else by \$CONVIRT_CONFIG, else the first that exists of \.\/convirt\.conf .*~\/\.convirt\/convirt\.conf and \/etc\/convirt\.conf/,
    );
  });
}
