import assert from 'node:assert/strict';
import { test } from 'node:test';
import { confList, parseConf } from '../../../app/main/image-store/conf-file.js';

test('key = value lines, comments, quotes, later keys win', () => {
  const conf = parseConf(
    `# comment\n\nmemory = 256\nkernel_src="vmlinuz"\ndescription = 'A = B'\nmemory=512\n`,
  );
  assert.equal(conf.get('memory'), '512');
  assert.equal(conf.get('kernel_src'), 'vmlinuz');
  assert.equal(conf.get('description'), 'A = B');
});

test('a line that is not key = value names its line', () => {
  assert.throws(() => parseConf('a = 1\nnot a setting\n', 'image.conf'), /image\.conf line 2/);
});

test('comma-separated lists drop blanks', () => {
  assert.deepEqual(confList(' memory, vcpus,,hostname '), ['memory', 'vcpus', 'hostname']);
  assert.deepEqual(confList(undefined), []);
});
