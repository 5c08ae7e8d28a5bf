// npm run bench:download — a direct-download deployment against the test bed: the host (the
// test bed's sshd) downloads a file from the test bed's nginx through ConVirt's host-side
// download (curl on the host, .part, checksum verified on the host, renamed), against plain
// `curl -o` of the same file on the same host in the same run, alternated, median of N each.
// Reports the throughput ratio for the transfer itself and with the host-side verification,
// and the bytes that passed through the ConVirt process (the SSH channel's payload: progress
// lines only, never image data).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ClientChannel } from 'ssh2';
import { downloadOnHosts } from '../app/main/templates/host-download.js';
import type { RemoteShell } from '../app/main/ssh/ssh-connection.js';
import { runLocal } from '../test/bed/process.js';
import { startTestbed } from '../test/bed/testbed.js';
import { connectToTestbed } from '../test/support/testbed.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    mib: { type: 'string', default: '256' },
  },
});
const runs = Number(values.runs);
const mib = Number(values.mib);
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

// No Xen host: its emulation would compete for the CPU the downloads are measured on.
const bed = await startTestbed(log, { xenHost: false });
const info = bed.info;
const ssh = await connectToTestbed(info);
const dir = `${info.imagesDir}/${info.prefix}bench-download`;
try {
  const file = join(info.downloads.dir, 'www', 'files', 'bench.bin');
  log(`writing a ${mib} MiB file for nginx`);
  await runLocal('sh', ['-c', 'head -c "$1" /dev/urandom > "$2"', 'sh', `${mib}M`, file]);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  const checksum = { algorithm: 'sha256' as const, hex: hash.digest('hex') };
  const url = `${info.downloads.http}/files/bench.bin`;
  await ssh.run(['mkdir', '-p', dir]);

  // Counts every byte the ConVirt process receives on the download's SSH channels.
  let throughConvirt = 0;
  const counting: RemoteShell = {
    target: ssh.target,
    exec: (argv, o) => ssh.exec(argv, o),
    run: (argv, o) => ssh.run(argv, o),
    openPty: (argv, size) => ssh.openPty(argv, size),
    openChannel: async (argv, pty) => {
      const channel: ClientChannel = await ssh.openChannel(argv, pty);
      channel.on('data', (d: Buffer) => (throughConvirt += d.length));
      channel.stderr.on('data', (d: Buffer) => (throughConvirt += d.length));
      return channel;
    },
  };

  const convirt: { transfer: number; total: number }[] = [];
  const curl: number[] = [];
  const viaConvirt = async () => {
    const start = performance.now();
    let transferEnd = 0;
    await downloadOnHosts([counting], {
      urls: [url],
      checksum,
      dest: `${dir}/a.bin`,
      onDownloaded: () => (transferEnd = performance.now()),
    });
    const end = performance.now();
    convirt.push({ transfer: (transferEnd - start) / 1000, total: (end - start) / 1000 });
  };
  const viaCurl = async () => {
    const start = performance.now();
    await ssh.run(['curl', '--silent', '--show-error', '--fail', '--output', `${dir}/b.bin`, url]);
    curl.push((performance.now() - start) / 1000);
  };
  for (let i = 0; i < runs; i++) {
    // Both files gone and written back before each run, and the order alternated, so neither
    // pays for the other's deletion or writeback.
    await ssh.run(['rm', '-f', `${dir}/a.bin`, `${dir}/b.bin`]);
    await ssh.run(['sync']);
    for (const run of i % 2 === 0 ? [viaConvirt, viaCurl] : [viaCurl, viaConvirt]) {
      await run();
      await ssh.run(['sync']);
    }
    log(
      `run ${i + 1}: convirt ${round(convirt[i]!.transfer)} s (verified ${round(convirt[i]!.total)} s), curl ${round(curl[i]!)} s`,
    );
  }
  const mibps = (s: number) => round(mib / s, 1);
  const transfer = median(convirt.map((c) => c.transfer));
  const total = median(convirt.map((c) => c.total));
  const plain = median(curl);
  console.log(
    JSON.stringify(
      {
        benchmark: 'host-side download vs curl on the same host',
        fileMiB: mib,
        runs,
        convirtTransferMiBps: mibps(transfer),
        convirtVerifiedMiBps: mibps(total),
        curlMiBps: mibps(plain),
        ratioTransfer: round(plain / transfer),
        ratioWithVerification: round(plain / total),
        bytesThroughConvirtPerDownload: Math.round(throughConvirt / runs),
        imageBytes: mib * 1024 * 1024,
      },
      null,
      2,
    ),
  );
} finally {
  await ssh.run(['rm', '-rf', dir]).catch(() => undefined);
  ssh.close();
  await bed.stop();
}
