// Image uploads against the test bed's sshd: a fresh upload, resuming an interrupted one, a
// corrupt partial file refused and removed, a .part longer than the file started again.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ChecksumMismatchError, uploadFile } from '../../app/main/provisioning/file-upload.js';
import { connectToTestbed, testbed } from '../support/testbed.js';

const bed = testbed();

test('uploads are verified, resumable, and never leave a wrong file in place', async (t) => {
  const ssh = await connectToTestbed(bed);
  const dir = `${bed.imagesDir}/${bed.prefix}upload`;
  t.after(async () => {
    await ssh.run(['rm', '-rf', dir]);
    ssh.close();
  });
  await ssh.run(['mkdir', '-p', dir]);
  const data = randomBytes(3 * 1024 * 1024 + 17);
  const local = join(bed.runDir, 'upload.bin');
  writeFileSync(local, data);
  const sha256 = createHash('sha256').update(data).digest('hex');
  const options = { size: data.length, sha256 };
  const remote = `${dir}/image.bin`;
  const remoteSum = async () => (await ssh.run(['sha256sum', remote])).split(' ')[0];
  const putPart = (bytes: Buffer) =>
    ssh.run(['sh', '-c', 'cat > "$1"', 'sh', `${remote}.part`], { stdin: bytes });
  const exists = async (path: string) => (await ssh.exec(['test', '-e', path])).code === 0;

  await t.test('a fresh upload lands verified, with progress', async () => {
    let last = 0;
    const r = await uploadFile(ssh, local, remote, {
      ...options,
      onProgress: (sent) => (last = sent),
    });
    assert.equal(r.resumedFrom, 0);
    assert.equal(r.sent, data.length);
    assert.equal(last, data.length);
    assert.equal(await remoteSum(), sha256);
    assert.equal(await exists(`${remote}.part`), false);
  });

  await t.test('an interrupted upload resumes from its .part', async () => {
    await ssh.run(['rm', '-f', remote]);
    await putPart(data.subarray(0, 1_000_000));
    const r = await uploadFile(ssh, local, remote, options);
    assert.equal(r.resumedFrom, 1_000_000);
    assert.equal(r.sent, data.length - 1_000_000);
    assert.equal(await remoteSum(), sha256);
  });

  await t.test('a corrupt .part fails the checksum and is removed', async () => {
    await ssh.run(['rm', '-f', remote]);
    const corrupt = Buffer.from(data.subarray(0, 1_000_000));
    corrupt[10] = corrupt[10]! ^ 0xff;
    await putPart(corrupt);
    await assert.rejects(uploadFile(ssh, local, remote, options), ChecksumMismatchError);
    assert.equal(await exists(remote), false);
    assert.equal(await exists(`${remote}.part`), false);
  });

  await t.test('a .part longer than the file is started again', async () => {
    await putPart(Buffer.concat([data, Buffer.from('extra')]));
    const r = await uploadFile(ssh, local, remote, options);
    assert.equal(r.resumedFrom, 0);
    assert.equal(await remoteSum(), sha256);
  });
});
