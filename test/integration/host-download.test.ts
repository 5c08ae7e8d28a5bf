// Templates and ISOs by URL against the test bed's nginx, checked and downloaded by the test
// bed's "host" (this machine through its sshd): HTTP, a header-only URL, HEAD refused, Metalink 4
// and 3 with a dead mirror first, HTTPS with the test CA installed through ConVirt, HTTPS with a
// client certificate, a wrong checksum refused after 3 attempts, a connection dropped midway.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseChecksum } from '../../app/shared/validation/download-source.js';
import {
  inspectCertificate,
  installCaBundle,
  installClientCertificate,
} from '../../app/main/templates/certificates.js';
import { DownloadFailedError, downloadOnHosts } from '../../app/main/templates/host-download.js';
import { checkSource, checkUrl, readQcow2VirtualSize } from '../../app/main/templates/url-check.js';
import type { RemoteShell } from '../../app/main/ssh/ssh-connection.js';
import { waitFor } from '../bed/process.js';
import { connectToTestbed, testbed } from '../support/testbed.js';

const bed = testbed();
const web = bed.downloads;
const image = `/files/${web.image.name}`;
const sha256 = parseChecksum(`{SHA-256}${web.image.sha256}`);

test('host-side URL checks and downloads', async (t) => {
  const ssh = await connectToTestbed(bed);
  const trustDir = `${bed.runDir}/host-trust`;
  const pool = `${bed.imagesDir}/${bed.prefix}dlpool`;
  t.after(async () => {
    await ssh.run(['rm', '-rf', pool, trustDir]);
    ssh.close();
  });
  await ssh.run(['mkdir', '-p', pool]);
  const ls = async () => (await ssh.run(['ls', '-A', pool])).split('\n').filter(Boolean);

  await t.test('HTTP: 200 with the size from Content-Length', async () => {
    const r = await checkUrl(ssh, { url: `${web.http}${image}`, trustDir });
    assert.deepEqual([r.ok, r.status, r.size], [true, 200, web.image.size]);
    const missing = await checkUrl(ssh, { url: `${web.http}/files/none.qcow2`, trustDir });
    assert.deepEqual([missing.ok, missing.status], [false, 404]);
  });

  await t.test('a URL that answers only with the right header', async () => {
    const url = `${web.http}/header-only/${web.image.name}`;
    const without = await checkUrl(ssh, { url, trustDir });
    assert.deepEqual([without.ok, without.status], [false, 401]);
    const headers = [web.header];
    const withIt = await checkUrl(ssh, { url, headers, trustDir });
    assert.deepEqual([withIt.ok, withIt.size], [true, web.image.size]);
    const dest = `${pool}/header.qcow2`;
    await downloadOnHosts([ssh], { urls: [url], headers, checksum: sha256, dest, trustDir });
    assert.equal((await ssh.run(['sha256sum', dest])).split(' ')[0], web.image.sha256);
  });

  await t.test('HEAD refused: GET of one byte, size from Content-Range', async () => {
    const r = await checkUrl(ssh, { url: `${web.http}/no-head/${web.image.name}`, trustDir });
    assert.deepEqual([r.ok, r.status, r.size], [true, 200, web.image.size]);
  });

  for (const [what, file] of [
    ['Metalink 4 by name', 'image.meta4'],
    ['Metalink 3 by name', 'image.metalink'],
    ['Metalink 4 by content type', 'image-list.xml4'],
  ] as const) {
    await t.test(`${what}: the dead mirror first, the good one second`, async () => {
      const r = await checkSource(ssh, { url: `${web.http}/files/${file}`, trustDir });
      assert.deepEqual(
        r.candidates.map((c) => [c.url, c.ok]),
        [
          [`http://127.0.0.1:${web.deadPort}${image}`, false],
          [`${web.http}${image}`, true],
        ],
      );
      assert.equal(r.reachable?.url, `${web.http}${image}`);
      assert.deepEqual(r.metalink?.hashes, [sha256]);
      // Downloading walks the candidates: the dead mirror fails, the good one lands.
      const dest = `${pool}/${file}.img`;
      const got = await downloadOnHosts([ssh], {
        urls: r.candidates.map((c) => c.url),
        checksum: r.metalink.hashes[0]!,
        dest,
        trustDir,
      });
      assert.equal(got.attempts, 2);
      await ssh.run(['rm', '-f', dest]);
    });
  }

  await t.test('HTTPS: refused until the test CA is installed through ConVirt', async () => {
    const url = `${web.https}${image}`;
    assert.equal((await checkUrl(ssh, { url, trustDir })).ok, false);
    inspectCertificate({ name: 'test-ca', kind: 'ca', pem: web.caPem });
    await installCaBundle(ssh, [web.caPem], trustDir);
    const r = await checkUrl(ssh, { url, trustDir });
    assert.deepEqual([r.ok, r.size], [true, web.image.size]);
  });

  await t.test('HTTPS requiring a client certificate', async () => {
    const url = `${web.mtls}${image}`;
    assert.equal((await checkUrl(ssh, { url, trustDir })).ok, false);
    const upload = {
      name: 'test-client',
      kind: 'client' as const,
      pem: web.clientCertPem,
      keyPem: web.clientKeyPem,
    };
    inspectCertificate(upload);
    await installClientCertificate(ssh, upload, trustDir);
    const request = { url, trustDir, clientCertificate: 'test-client' };
    assert.equal((await checkUrl(ssh, request)).ok, true);
    const dest = `${pool}/mtls.qcow2`;
    let progress = 0;
    const r = await downloadOnHosts([ssh], {
      ...request,
      urls: [url],
      checksum: sha256,
      dest,
      onProgress: (bytes) => (progress = bytes),
    });
    assert.equal(r.size, web.image.size);
    assert.ok(progress <= web.image.size);
    await ssh.run(['rm', '-f', dest]);
  });

  await t.test('a wrong checksum is refused after 3 attempts and nothing stays', async () => {
    await ssh.run(['sh', '-c', 'rm -f "$1"/*', 'sh', pool]);
    const wrong = parseChecksum(`{SHA-256}${'0'.repeat(64)}`);
    const err = await downloadOnHosts([ssh], {
      urls: [`${web.http}${image}`],
      checksum: wrong,
      dest: `${pool}/wrong.qcow2`,
      trustDir,
    }).catch((e: unknown) => e);
    assert.ok(err instanceof DownloadFailedError);
    assert.equal(err.attempts.length, 3);
    assert.match(err.attempts[2]!, /checksum mismatch/);
    assert.deepEqual(await ls(), []);
  });

  await t.test('a connection dropped midway fails cleanly, nothing stays', async () => {
    const err = await downloadOnHosts([ssh], {
      urls: [`${web.drop}${image}`],
      checksum: sha256,
      dest: `${pool}/dropped.qcow2`,
      trustDir,
    }).catch((e: unknown) => e);
    assert.ok(err instanceof DownloadFailedError);
    assert.match(err.message, /3 attempts/);
    assert.deepEqual(await ls(), []);
  });

  for (const [what, hidden, broken] of [
    ['without python3', ['python3'], false],
    ['without python3 and openssl', ['python3', 'openssl'], false],
    ['with a python3 that fails', ['python3'], true],
  ] as const) {
    await t.test(`${what} on the host: the hash follows through tail`, async () => {
      // A PATH of every program of the host but those (or a python3 that only fails), so the
      // fallback digest runs for real.
      const bin = `${bed.runDir}/path-${what.replaceAll(' ', '-')}`;
      await ssh.run([
        'sh',
        '-c',
        'mkdir -p "$0"; for f in /usr/bin/* /bin/*; do ln -sf "$f" "$0/"; done; for h; do rm -f "$0/$h"*; done',
        bin,
        ...hidden,
      ]);
      if (broken) {
        await ssh.run([
          'sh',
          '-c',
          'printf "#!/bin/sh\\nexit 1\\n" >"$0/python3"; chmod +x "$0/python3"',
          bin,
        ]);
      }
      const withoutThem: RemoteShell = {
        target: ssh.target,
        exec: (argv, o) => ssh.exec(argv, o),
        run: (argv, o) => ssh.run(argv, o),
        openPty: (argv, size) => ssh.openPty(argv, size),
        openChannel: (argv, pty) => ssh.openChannel(['env', `PATH=${bin}`, ...argv], pty),
      };
      const dest = `${pool}/fallback.qcow2`;
      const request = { urls: [`${web.http}${image}`], dest, trustDir };
      const r = await downloadOnHosts([withoutThem], { ...request, checksum: sha256 });
      assert.equal(r.size, web.image.size);
      assert.equal((await ssh.run(['sha256sum', dest])).split(' ')[0], web.image.sha256);
      await ssh.run(['rm', '-f', dest]);
      const wrong = parseChecksum(`{SHA-256}${'0'.repeat(64)}`);
      const err = await downloadOnHosts([withoutThem], { ...request, checksum: wrong }).catch(
        (e: unknown) => e,
      );
      assert.ok(err instanceof DownloadFailedError);
      assert.match(err.attempts[0]!, /checksum mismatch/);
      assert.deepEqual(await ls(), []);
    });
  }

  // ConVirt sends TERM and closes the channel; OpenSSH does not always deliver the signal, so the
  // closed channel alone must stop it too.
  for (const how of ['signal', 'closed channel'] as const) {
    await t.test(`a cancelled download stops on the host and leaves nothing (${how})`, async () => {
      const url = `${web.http}/slow/${web.image.name}?cancel=host`;
      const abort = new AbortController();
      const shell: RemoteShell =
        how === 'signal'
          ? ssh
          : {
              target: ssh.target,
              exec: (argv, o) => ssh.exec(argv, o),
              run: (argv, o) => ssh.run(argv, o),
              openPty: (argv, size) => ssh.openPty(argv, size),
              openChannel: async (argv, pty) => {
                const channel = await ssh.openChannel(argv, pty);
                channel.signal = () => true;
                return channel;
              },
            };
      const cancelled = downloadOnHosts([shell], {
        urls: [url],
        checksum: sha256,
        dest: `${pool}/cancelled-${how.replace(' ', '-')}.qcow2`,
        trustDir,
        signal: abort.signal,
        onProgress: (bytes) => bytes > 0 && abort.abort(),
      });
      await assert.rejects(cancelled, /Cancelled/);
      // Its curl, its shell, its hasher (whose arguments name the .part) and the .part are gone
      // soon after, not at the end of the file.
      const leftovers = async () =>
        [
          ...(await ls()),
          ...(await ssh.exec(['pgrep', '-f', '[c]ancel=host|[c]ancelled-'])).stdout.split('\n'),
        ].filter(Boolean);
      await waitFor(
        'the host to stop downloading',
        async () => ((await leftovers()).length === 0 ? true : undefined),
        5_000,
      );
    });
  }

  await t.test('two downloads to one destination at once: one good file, no .part', async () => {
    const dest = `${pool}/twice.qcow2`;
    const request = {
      urls: [`${web.http}/slow/${web.image.name}?twice`],
      checksum: sha256,
      dest,
      trustDir,
    };
    const results = await Promise.allSettled([
      downloadOnHosts([ssh], request),
      downloadOnHosts([ssh], request),
    ]);
    assert.ok(
      results.every((r) => r.status === 'fulfilled'),
      JSON.stringify(results),
    );
    assert.equal((await ssh.run(['sha256sum', dest])).split(' ')[0], web.image.sha256);
    assert.deepEqual(await ls(), ['twice.qcow2']);
    await ssh.run(['rm', '-f', dest]);
  });

  await t.test('a .part left by a run killed outright is removed by the next one', async () => {
    const dest = `${pool}/stale.qcow2`;
    const me = (await ssh.run(['uname', '-n'])).trim();
    // No process has PID 2^22 + 1 (above the kernel's largest); another host's .part stays.
    const stale = `${dest}.part-${me}-4194305`;
    const theirs = `${dest}.part-another-host-1`;
    await ssh.run(['sh', '-c', 'echo x >"$0"; echo y >"$1"', stale, theirs]);
    await downloadOnHosts([ssh], {
      urls: [`${web.http}${image}`],
      checksum: sha256,
      dest,
      trustDir,
    });
    assert.deepEqual(await ls(), ['stale.qcow2', 'stale.qcow2.part-another-host-1']);
    await ssh.run(['rm', '-f', dest, theirs]);
  });

  await t.test('a .part file that cannot be created fails at once, nothing stays', async () => {
    const err = await downloadOnHosts([ssh], {
      urls: [`${web.http}${image}`],
      checksum: sha256,
      dest: `${pool}/no-such-dir/x.qcow2`,
      trustDir,
    }).catch((e: unknown) => e);
    assert.ok(err instanceof DownloadFailedError);
    assert.match(err.attempts[0]!, /cannot create .*no-such-dir\/x\.qcow2\.part/);
    assert.deepEqual(await ls(), []);
  });

  await t.test('the qcow2 virtual size from the header, with or without a length', async () => {
    const request = { url: `${web.http}/files/${web.disk.name}`, trustDir };
    assert.equal((await checkUrl(ssh, request)).size, web.disk.size);
    assert.equal(await readQcow2VirtualSize(ssh, request), web.disk.virtualSize);
    // No Content-Length and the range ignored: the first bytes are cut from the whole body.
    const noLength = { url: `${web.http}/no-length/${web.disk.name}`, trustDir };
    const check = await checkUrl(ssh, noLength);
    assert.deepEqual([check.ok, check.size], [true, undefined]);
    assert.equal(await readQcow2VirtualSize(ssh, noLength), web.disk.virtualSize);
    // Not a qcow2 image, or no such file: no size.
    assert.equal(
      await readQcow2VirtualSize(ssh, { url: `${web.http}${image}`, trustDir }),
      undefined,
    );
    assert.equal(
      await readQcow2VirtualSize(ssh, { url: `${web.http}/files/none.qcow2`, trustDir }),
      undefined,
    );
  });
});
