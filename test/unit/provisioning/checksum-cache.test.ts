// The image checksum cache lives in cache_dir, which need not exist before the first write.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ChecksumCache } from '../../../app/main/provisioning/checksums.js';

test('the cache makes its missing folder at the first write, and is read back from it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'convirt-checksums-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const image = join(dir, 'disk.img');
  writeFileSync(image, 'image bytes');
  const file = join(dir, 'cache', 'convirt', 'image-checksums.json');

  const expected = createHash('sha256').update('image bytes').digest('hex');
  assert.equal(await new ChecksumCache(file).sha256(image), expected);
  assert.ok(existsSync(file));
  const kept = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { sha256: string }>;
  assert.equal(kept[image]?.sha256, expected);
});
