// npm run bench:provision — against the test bed, through the project's own code:
//  1. provisioning from a base already cached on the host (qcow2 overlay): time from the request
//     to the VM defined and started (boot not included), with a 64 MiB and a 4 GiB base (sparse
//     files of that size); median of N runs each. It must not grow with the base's size.
//  2. a full 1 GiB transfer to the host (exec channel streaming, as provisioning uploads images;
//     timed to the last byte written, and again once the host has checked the sha256 and renamed
//     the .part) against OpenSSH's scp of the same file to the same host, alternated.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KvmDriver } from '../app/main/hypervisors/kvm/kvm-driver.js';
import { ImageStore, REPOSITORY_STORE } from '../app/main/image-store/image-store.js';
import { Inventory } from '../app/main/inventory/index.js';
import { ChecksumCache, hashFile } from '../app/main/provisioning/checksums.js';
import { uploadFile } from '../app/main/provisioning/file-upload.js';
import { ProvisioningService } from '../app/main/provisioning/provisioning-service.js';
import { TaskRunner } from '../app/main/tasks/task-runner.js';
import { startTestbed } from '../test/bed/testbed.js';
import { connectToTestbed } from '../test/support/testbed.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'transfer-runs': { type: 'string', default: '3' },
    'transfer-mib': { type: 'string', default: '1024' },
  },
});
const runs = Number(values.runs);
const transferRuns = Number(values['transfer-runs']);
const transferMiB = Number(values['transfer-mib']);
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

const bed = await startTestbed(log);
const info = bed.info;
const work = join(info.runDir, 'bench-provision');
const imageCache = `${info.imagesDir}/${info.prefix}image-cache`;
const bridge = `cvbr${process.pid % 100000}`;
mkdirSync(join(work, 'data'), { recursive: true });
spawnSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
spawnSync('ip', ['link', 'set', bridge, 'up']);
const ssh = await connectToTestbed(info);
const virsh = new KvmDriver(ssh);
const inventory = Inventory.open({ dataDir: join(work, 'data') });
const results: Record<string, unknown> = { benchmark: 'provisioning and image transfer' };

try {
  // Two appliances of an operator store: tiny-linux with a 64 MiB and a 4 GiB base.
  const store = join(work, 'store');
  const checksums = new ChecksumCache();
  mkdirSync(imageCache, { recursive: true });
  for (const [name, size] of [
    ['base-64m', '64M'],
    ['base-4g', '4G'],
  ] as const) {
    const dir = join(store, name);
    mkdirSync(dir, { recursive: true });
    for (const f of ['vm_conf.template', 'provision.sh'])
      copyFileSync(join(REPOSITORY_STORE, 'tiny-linux', f), join(dir, f));
    const base = join(dir, 'base.qcow2');
    spawnSync('qemu-img', [
      'create',
      '-q',
      '-f',
      'qcow2',
      '-o',
      'preallocation=metadata',
      base,
      size,
    ]);
    const conf = readFileSync(join(REPOSITORY_STORE, 'tiny-linux', 'image.conf'), 'utf8')
      .replace(/^vda_image_src = .*$/m, 'vda_image_src = base.qcow2')
      .replace(
        /^(kernel_src|ramdisk_src) = (.*)$/gm,
        (_m, k: string, f: string) => `${k} = ${join(info.appliances, 'tiny-linux', f)}`,
      );
    writeFileSync(join(dir, 'image.conf'), conf);
    // The base is already cached on the host (the test bed's host is this machine): put it
    // where provisioning looks for it, named by its checksum.
    const sha = await checksums.sha256(base);
    spawnSync('cp', ['--sparse=always', base, `${imageCache}/${sha}-base.qcow2`]);
    log(`${name}: ${(statSync(base).size / 2 ** 20).toFixed(0)} MiB base cached on the host`);
  }
  const imageStore = new ImageStore({
    stores: [REPOSITORY_STORE, store],
    artifactDirs: [info.appliances],
  });
  const host = inventory.hosts.add({
    name: 'tb',
    address: '127.0.0.1',
    port: info.sshd.port,
    username: info.sshd.username,
    hypervisor: 'kvm',
  });
  const service = new ProvisioningService({
    store: imageStore,
    tasks: new TaskRunner(inventory.tasks, inventory.audit),
    checksums,
    host: () => host,
    connect: () => Promise.resolve(ssh),
    hostPaths: { imageCache },
  });
  const provisionOnce = async (appliance: string, name: string) => {
    const started = performance.now();
    await service.provision({ appliance, host: 'tb', name, params: { bridge }, start: true })
      .result;
    const seconds = (performance.now() - started) / 1000;
    await virsh.destroy(name);
    await virsh.undefine(name);
    await ssh.run(['rm', '-f', `${info.imagesDir}/${name}-vda.qcow2`]);
    return seconds;
  };
  // Kernel and initrd are uploaded once, before timing.
  await provisionOnce('base-64m', `${info.prefix}warmup`);
  // Alternated, so a change of load on the machine hits both sizes alike.
  const timings: Record<string, number[]> = { 'base-64m': [], 'base-4g': [] };
  for (let i = 0; i < runs; i++) {
    for (const appliance of ['base-64m', 'base-4g']) {
      timings[appliance]!.push(await provisionOnce(appliance, `${info.prefix}${appliance}-${i}`));
      log(`${appliance} run ${i + 1}/${runs}: ${timings[appliance]!.at(-1)!.toFixed(2)} s`);
    }
  }
  for (const [appliance, seconds] of Object.entries(timings)) {
    results[`provision_${appliance}`] = {
      runs: seconds.map((s) => round(s)),
      medianSeconds: round(median(seconds)),
    };
  }
  const m64 = (results['provision_base-64m'] as { medianSeconds: number }).medianSeconds;
  const m4g = (results['provision_base-4g'] as { medianSeconds: number }).medianSeconds;
  results.provisionRatio4gTo64m = round(m4g / m64);

  // Full transfer of a file of random bytes, ours and scp's, alternated.
  const file = join(work, 'transfer.bin');
  spawnSync('sh', ['-c', `head -c ${transferMiB}M /dev/urandom > "$1"`, 'sh', file]);
  const size = statSync(file).size;
  const sha256 = await hashFile(file);
  const knownHosts = join(work, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${info.sshd.port} ${info.sshd.hostPublicKey}\n`);
  const remote = `${info.imagesDir}/${info.prefix}transfer.bin`;
  const ours: number[] = [];
  const oursVerified: number[] = [];
  const scp: number[] = [];
  for (let i = 0; i < transferRuns; i++) {
    await ssh.run(['rm', '-f', remote, `${remote}.part`]);
    const started = performance.now();
    const r = await uploadFile(ssh, file, remote, { size, sha256 });
    oursVerified.push((performance.now() - started) / 1000);
    ours.push(r.streamMs / 1000);
    await ssh.run(['rm', '-f', remote]);
    const t0 = performance.now();
    const out = spawnSync('scp', [
      '-q',
      '-P',
      String(info.sshd.port),
      '-i',
      info.sshd.clientKeyPath,
      '-o',
      `UserKnownHostsFile=${knownHosts}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      file,
      `${info.sshd.username}@127.0.0.1:${remote}`,
    ]);
    if (out.status !== 0) throw new Error(`scp failed: ${out.stderr.toString()}`);
    scp.push((performance.now() - t0) / 1000);
    log(
      `transfer ${i + 1}/${transferRuns}: ours ${ours.at(-1)!.toFixed(2)} s (${oursVerified.at(-1)!.toFixed(2)} s with the host's sha256 check), scp ${scp.at(-1)!.toFixed(2)} s`,
    );
  }
  await ssh.run(['rm', '-f', remote]);
  rmSync(file, { force: true });
  const mibps = (s: number) => round(size / 2 ** 20 / s, 1);
  results.transfer = {
    sizeMiB: round(size / 2 ** 20, 0),
    oursMiBps: mibps(median(ours)),
    scpMiBps: mibps(median(scp)),
    throughputRatioToScp: round(median(scp) / median(ours)),
    oursWithChecksumMiBps: mibps(median(oursVerified)),
    throughputRatioToScpWithChecksum: round(median(scp) / median(oursVerified)),
    oursSeconds: ours.map((s) => round(s)),
    oursWithChecksumSeconds: oursVerified.map((s) => round(s)),
    scpSeconds: scp.map((s) => round(s)),
  };
} finally {
  ssh.close();
  inventory.close();
  spawnSync('ip', ['link', 'del', bridge]);
  await bed.stop();
}
console.log(JSON.stringify(results));
