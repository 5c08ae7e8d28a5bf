// Templates and ISOs registered by URL (formats doc, section 3): registration checked from one
// random host of the right hypervisor, direct download (no copy anywhere until a host downloads
// it into its storage pool) or a verified copy in the local image store (copied to the pools from
// there), deployment into a pool reusing an earlier copy, and the certificates the hosts' downloader trusts.
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Hypervisor } from '../../shared/domain/host.js';
import {
  formatChecksum,
  parseHttpHeader,
  validateDownloadUrl,
  type Checksum,
} from '../../shared/validation/download-source.js';
import { InvalidInputError, validateHostPath } from '../../shared/validation/names.js';
import {
  validateCertificateName,
  validateRegistration,
  validateTemplateName,
  type RegisterRequest,
} from '../../shared/validation/url-template.js';
import type { Task } from '../inventory/index.js';
import type { RemoteShell } from '../ssh/ssh-connection.js';
import type { TaskContext, TaskRunner } from '../tasks/task-runner.js';
import {
  caBundleCommand,
  caBundleInput,
  inspectCertificate,
  installCaBundle,
  installClientCertificate,
  removeClientCertificate,
  type CertificateInfo,
  type CertificateUpload,
} from './certificates.js';
import {
  downloadCommand,
  EXIT_CHECKSUM_MISMATCH,
  headerLines,
  progressBytes,
} from './host-curl.js';
import { downloadOnHosts } from './host-download.js';
import { hashFileWith } from '../provisioning/checksums.js';
import { uploadFile } from '../provisioning/file-upload.js';
import {
  type PoolCopy,
  type TemplateSummary,
  type TemplateFormat,
  type UrlTemplate,
  type UrlTemplateRecords,
} from './template-records.js';
import { checkSource, readQcow2VirtualSize, type SourceCheck } from './url-check.js';

export type { RegisterRequest };

export interface UrlTemplateServiceOptions {
  records: UrlTemplateRecords;
  /** The hosts ConVirt can reach with this hypervisor (all hypervisors when not given). */
  hosts(hypervisor?: Hypervisor): string[];
  connect(host: string): Promise<RemoteShell>;
  /** The local image store folder: non-direct templates are downloaded here. */
  storeDir: string;
  /** ConVirt's own trust store on this machine, for those local downloads. */
  localTrustDir: string;
  /** ConVirt's trust store on the hosts; DEFAULT_TRUST_DIR under the login's home if not given. */
  hostTrustDir?: string;
  random?: () => number;
}

export interface DeployRequest {
  template: string;
  /** The storage pool's identity (e.g. `host:pool` or a shared pool's name). */
  pool: string;
  /** The pool's folder on the hosts. */
  poolDir: string;
  /**
   * Hosts reaching the pool, the destination host first: the others are tried, in order, when
   * it fails (connected only then).
   */
  hosts: readonly string[];
  onProgress?: (bytes: number, total?: number) => void;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface DeployResult {
  path: string;
  /** False when an earlier copy on the pool was reused. */
  downloaded: boolean;
  /** The new copy came from the local image store, not from the URL. */
  fromStore?: boolean;
  host: string;
}

export class UrlTemplateService {
  /** Names being registered (no record yet), and deployments running per template and pool. */
  private readonly registering = new Set<string>();
  private readonly deploying = new Map<string, Promise<DeployResult>>();

  constructor(private readonly o: UrlTemplateServiceOptions) {}

  /** Checks every candidate URL from one random host (of `hypervisor`, when given). */
  async checkUrl(
    url: string,
    headers: readonly string[] = [],
    hypervisor?: Hypervisor,
  ): Promise<SourceCheck & { host: string }> {
    validateDownloadUrl(url);
    const parsed = headers.map(parseHttpHeader);
    const host = this.randomHost(hypervisor);
    const shell = await this.o.connect(host);
    return { host, ...(await checkSource(shell, { url, headers: parsed, ...this.hostTrust() })) };
  }

  /**
   * Everything is validated before the URL check runs on a host. `progress.log` hears each step
   * (the host checking, each candidate's result, the download into the image store), and
   * `progress.onProgress` the bytes of that download.
   */
  async register(request: RegisterRequest, progress: DownloadObserver = {}): Promise<UrlTemplate> {
    const r = validateRegistration(request);
    this.requireNewName(r.name);
    // Held until the record exists: a second registration of the name is refused, rather than
    // both writing NAME in the image store and the loser's cleanup deleting the winner's file.
    this.registering.add(r.name);
    try {
      return await this.registerNow(r, progress);
    } finally {
      this.registering.delete(r.name);
    }
  }

  private async registerNow(
    r: ReturnType<typeof validateRegistration>,
    progress: DownloadObserver,
  ): Promise<UrlTemplate> {
    const log = progress.log ?? (() => {});
    const { format, hypervisor, headers } = r;
    if (r.clientCertificate && this.o.records.certificate(r.clientCertificate)?.kind !== 'client') {
      throw new InvalidInputError(
        'clientCertificate',
        `No client certificate named ${r.clientCertificate}.`,
      );
    }
    const client = r.clientCertificate ? { clientCertificate: r.clientCertificate } : {};
    const host = this.randomHost(hypervisor);
    log(`Checking ${r.url} from ${host}.`);
    const shell = await this.o.connect(host);
    const check = await checkSource(shell, { url: r.url, headers, ...client, ...this.hostTrust() });
    for (const c of check.candidates) {
      log(`${c.url}: ${c.ok ? `reachable (HTTP ${c.status})` : (c.error ?? `HTTP ${c.status}`)}`);
    }
    if (!check.reachable) {
      const tried = check.candidates.map((c) => `${c.url}: ${c.error ?? c.status}`).join('; ');
      throw new Error(`${r.url} cannot be reached from ${host}: ${tried}`);
    }
    const checksum: Checksum | undefined = r.checksum ?? check.metalink?.hashes[0];
    const direct = r.directDownload;
    if (direct && !checksum) {
      throw new InvalidInputError(
        'checksum',
        'A direct-download template needs a checksum: the hosts verify what they download.',
      );
    }
    const mirrors = check.metalink ? check.candidates.map((c) => c.url) : undefined;
    // A qcow2's virtual size is always worth knowing; for anything else only without a length.
    const known = check.reachable.size ?? check.metalink?.size;
    const virtualSize =
      format === 'qcow2' || known === undefined
        ? await readQcow2VirtualSize(shell, {
            url: check.reachable.url,
            headers,
            ...client,
            ...this.hostTrust(),
          })
        : undefined;
    const size = known ?? virtualSize;
    const record = {
      name: r.name,
      format,
      url: r.url,
      ...(checksum ? { checksum } : {}),
      ...(r.os ? { os: r.os } : {}),
      hypervisor,
      headers,
      ...client,
      ...(mirrors ? { mirrors } : {}),
      ...(size !== undefined ? { size } : {}),
      ...(virtualSize !== undefined ? { virtualSize } : {}),
    };
    if (direct) {
      log('Direct download: nothing is copied until a host downloads it into its storage pool.');
      return this.o.records.add({ ...record, directDownload: true, downloadState: 'BYPASSED' });
    }
    if (!checksum) {
      throw new InvalidInputError('checksum', 'A checksum is needed to verify the download.');
    }
    log(`Downloading into the local image store and verifying ${formatChecksum(checksum)}.`);
    const storePath = await this.downloadToStore(
      r.name,
      format,
      mirrors ?? [r.url],
      checksum,
      { headers, ...client },
      (bytes) => progress.onProgress?.(bytes, size),
      progress.signal,
    );
    log(`Verified; kept in the image store as ${storePath}.`);
    try {
      return this.o.records.add({
        ...record,
        directDownload: false,
        downloadState: 'DOWNLOADED',
        storePath,
      });
    } catch (err) {
      rmSync(storePath, { force: true });
      throw err;
    }
  }

  /**
   * Forgets a template and deletes its copy in the local image store. Copies already on storage
   * pools are left where they are (VMs may use them); they are returned so the caller can say so.
   */
  remove(name: string): { leftOnPools: PoolCopy[] } {
    const t = this.o.records.get(validateTemplateName(name));
    const leftOnPools = this.o.records.poolCopies(t.name);
    this.o.records.remove(t.name);
    if (t.storePath) rmSync(t.storePath, { force: true });
    return { leftOnPools };
  }

  /** Refuses a name already registered, before anything runs. */
  requireNewName(name: string): void {
    if (this.o.records.find(name) || this.registering.has(name)) {
      throw new InvalidInputError('name', `A template named ${name} already exists.`);
    }
  }

  /** The template or ISO named `name`; refused (InvalidInputError) when there is none. */
  get(name: string): UrlTemplate {
    const t = this.o.records.find(name);
    if (!t)
      throw new InvalidInputError('template', `No template or ISO named ${JSON.stringify(name)}.`);
    return t;
  }

  /** Whether a copy of the template is recorded on the storage pool. */
  hasCopyOn(template: string, pool: string): boolean {
    return this.o.records.poolCopy(template, pool) !== undefined;
  }

  list(): (TemplateSummary & { pools: PoolCopy[] })[] {
    return this.o.records.list().map((t) => ({ ...t, pools: this.o.records.poolCopies(t.name) }));
  }

  /**
   * Puts the template on a storage pool: the copy already there, or a download by the
   * destination host (then the pool's other hosts), verified on the host, recorded for reuse.
   */
  async deploy(r: DeployRequest): Promise<DeployResult> {
    // One at a time per template and pool: a second VM waits for the first one's download and
    // then reuses its copy, instead of downloading the same file beside it.
    const key = `${r.template}\n${r.pool}`;
    const before = this.deploying.get(key);
    if (before) r.log?.(`Waiting for ${r.template} to reach ${r.pool} for another task first.`);
    const run = (before ?? Promise.resolve()).catch(() => {}).then(() => this.deployNow(r));
    this.deploying.set(key, run);
    try {
      return await run;
    } finally {
      if (this.deploying.get(key) === run) this.deploying.delete(key);
    }
  }

  private async deployNow(r: DeployRequest): Promise<DeployResult> {
    const t = this.o.records.get(r.template);
    validateHostPath(r.poolDir);
    const [first] = r.hosts;
    if (!first) throw new Error(`No connected host reaches the storage pool ${r.pool}.`);
    const known = this.o.records.poolCopy(t.name, r.pool);
    if (known) {
      const shell = await this.o.connect(first);
      if ((await shell.exec(['test', '-f', known.path])).code === 0) {
        r.log?.(`${t.name} is already on ${r.pool} (${known.path}): nothing to download.`);
        return { path: known.path, downloaded: false, host: first };
      }
      r.log?.(`The copy recorded on ${r.pool} (${known.path}) is gone: downloading again.`);
      this.o.records.removePoolCopy(t.name, r.pool);
    }
    if (!t.checksum) throw new Error(`${t.name} has no checksum to verify a download against.`);
    const destination = await this.o.connect(first);
    if ((await destination.exec(['test', '-d', r.poolDir])).code !== 0) {
      throw new Error(`The storage pool folder ${r.poolDir} does not exist on ${first}.`);
    }
    // Named by their inventory names in the task log; the others connected only if needed.
    const fallbacks = r.hosts.slice(1).map((target) => ({
      target,
      open: () => this.o.connect(target),
    }));
    const path = `${r.poolDir}/template-${t.name}.${t.format}`;
    if (t.storePath && existsSync(t.storePath)) {
      await this.copyFromStore(t.storePath, t.checksum, destination, path, r);
      this.o.records.addPoolCopy({
        template: t.name,
        pool: r.pool,
        path,
        size: statSync(t.storePath).size,
        downloadedBy: first,
      });
      return { path, downloaded: true, fromStore: true, host: first };
    }
    if (t.storePath) r.log?.(`The image store copy ${t.storePath} is gone: the host downloads it.`);
    const result = await downloadOnHosts(
      [{ target: first, open: () => Promise.resolve(destination) }, ...fallbacks],
      {
        urls: t.mirrors ?? [t.url],
        headers: t.headers,
        ...(t.clientCertificate ? { clientCertificate: t.clientCertificate } : {}),
        ...this.hostTrust(),
        checksum: t.checksum,
        dest: path,
        ...(t.size !== undefined ? { total: t.size } : {}),
        ...(r.onProgress ? { onProgress: r.onProgress } : {}),
        ...(r.log ? { log: r.log } : {}),
        ...(r.signal ? { signal: r.signal } : {}),
      },
    );
    const host = r.hosts[result.hostIndex]!;
    this.o.records.addPoolCopy({
      template: t.name,
      pool: r.pool,
      path,
      size: result.size,
      downloadedBy: host,
    });
    return { path, downloaded: true, host };
  }

  /**
   * A template kept in the local image store (direct download off) goes to the pool from there, as
   * ConVirt always did: the store copy was verified at registration, and the URL may since have
   * changed or gone. The host checks the sha256 of what it received before renaming it.
   */
  private async copyFromStore(
    storePath: string,
    checksum: Checksum,
    destination: RemoteShell,
    path: string,
    r: DeployRequest,
  ): Promise<void> {
    r.log?.(`Checking ${storePath} against ${formatChecksum(checksum)} before copying it.`);
    const digests = await hashFileWith(storePath, ['sha256', checksum.algorithm]);
    if (digests[checksum.algorithm] !== checksum.hex.toLowerCase()) {
      throw new Error(
        `The image store copy ${storePath} no longer matches ${formatChecksum(checksum)}: it was changed or damaged since its registration. Remove and register the template again.`,
      );
    }
    r.log?.(`Copying ${storePath} from the image store to ${destination.target}:${path}.`);
    const size = statSync(storePath).size;
    try {
      await uploadFile(destination, storePath, path, {
        size,
        sha256: digests.sha256!,
        ...(r.signal ? { signal: r.signal } : {}),
        onProgress: (sent) => r.onProgress?.(sent, size),
      });
    } catch (err) {
      // A failed or cancelled copy leaves nothing on the pool (uploadFile keeps its .part).
      await destination.exec(['rm', '-f', `${path}.part`]).catch(() => undefined);
      throw err;
    }
  }

  /** deploy() as a task: the host's download is the task's progress, each attempt in its log. */
  deployAsTask(
    tasks: TaskRunner,
    r: Omit<DeployRequest, 'onProgress' | 'log' | 'signal'>,
  ): { task: Task; result: Promise<DeployResult> } {
    this.o.records.get(r.template);
    validateHostPath(r.poolDir);
    return tasks.run('template.deploy', `${r.template}@${r.pool}`, async (ctx) => {
      const result = await this.deploy({ ...r, ...taskObserver(ctx) });
      ctx.progress(1, result.downloaded ? `On ${r.pool}` : `Reused the copy on ${r.pool}`);
      return result;
    });
  }

  /**
   * register() as a task: each step in its log, the download into the image store (direct
   * download OFF) as its progress. A taken name is refused before the task starts.
   */
  registerAsTask(
    tasks: TaskRunner,
    request: RegisterRequest,
  ): { task: Task; result: Promise<UrlTemplate> } {
    this.requireNewName(request.name);
    return tasks.run('template.register', request.name, async (ctx) => {
      ctx.progress(null, 'Checking the URL');
      const t = await this.register(request, taskObserver(ctx));
      ctx.progress(1, `${t.name}: ${t.downloadState}, ${t.state}`);
      return t;
    });
  }

  /**
   * Checks the certificate, installs it on every host (and locally, for the image store's
   * downloads), then records it. Returns the hosts it could not be installed on.
   */
  async addCertificate(
    upload: CertificateUpload,
  ): Promise<{ info: CertificateInfo; failed: string[] }> {
    const info = inspectCertificate(upload);
    if (this.o.records.certificate(upload.name)) {
      throw new InvalidInputError('name', `A certificate named ${upload.name} already exists.`);
    }
    // The key is kept first: a locked secret store refuses the upload before any host has it.
    if (upload.kind === 'client') this.o.records.setClientKey(upload.name, upload.keyPem ?? '');
    const cas = [...this.caPems(), ...(upload.kind === 'ca' ? [upload.pem] : [])];
    const install = (shell: RemoteShell, trustDir?: string) =>
      upload.kind === 'ca'
        ? installCaBundle(shell, cas, trustDir)
        : installClientCertificate(shell, upload, trustDir);
    const failed = await this.onEveryHost((shell) => install(shell, this.o.hostTrustDir));
    if (upload.kind === 'ca') await installLocalCaBundle(this.o.localTrustDir, cas);
    this.o.records.addCertificate(info, upload.pem);
    return { info, failed };
  }

  listCertificates(): CertificateInfo[] {
    return this.o.records.certificates().map(({ pem: _pem, ...info }) => info);
  }

  async removeCertificate(name: string): Promise<{ failed: string[] }> {
    const cert = this.o.records.certificate(validateCertificateName(name));
    if (!cert) throw new InvalidInputError('name', `No certificate named ${name}.`);
    if (cert.kind === 'client') this.o.records.removeClientKey(name);
    this.o.records.removeCertificate(name);
    const cas = this.caPems();
    const failed = await this.onEveryHost((shell) =>
      cert.kind === 'ca'
        ? installCaBundle(shell, cas, this.o.hostTrustDir)
        : removeClientCertificate(shell, name, this.o.hostTrustDir),
    );
    if (cert.kind === 'ca') await installLocalCaBundle(this.o.localTrustDir, cas);
    return { failed };
  }

  /**
   * For a host added later: the CA bundle and every client certificate with its key (from the
   * secret store, which must be unlocked when there are client certificates). Throws, naming
   * what it could not install; what it could is installed.
   */
  async installCertificatesOn(host: string): Promise<void> {
    const cas = this.caPems();
    const clients = this.o.records.certificates().filter((c) => c.kind === 'client');
    if (cas.length === 0 && clients.length === 0) return;
    const shell = await this.o.connect(host);
    if (cas.length) await installCaBundle(shell, cas, this.o.hostTrustDir);
    const missing: string[] = [];
    for (const c of clients) {
      const keyPem = this.o.records.clientKey(c.name);
      if (keyPem === undefined) missing.push(c.name);
      else
        await installClientCertificate(
          shell,
          { name: c.name, kind: 'client', pem: c.pem, keyPem },
          this.o.hostTrustDir,
        );
    }
    if (missing.length) {
      throw new Error(
        `No key is kept for the client certificate(s) ${missing.join(', ')} (uploaded before ConVirt kept keys): upload them again to install them on ${host}.`,
      );
    }
  }

  private caPems(): string[] {
    return this.o.records
      .certificates()
      .filter((c) => c.kind === 'ca')
      .map((c) => c.pem);
  }

  private async onEveryHost(fn: (shell: RemoteShell) => Promise<void>): Promise<string[]> {
    const failed: string[] = [];
    for (const host of this.o.hosts()) {
      try {
        await fn(await this.o.connect(host));
      } catch (err) {
        failed.push(`${host}: ${(err as Error).message}`);
      }
    }
    return failed;
  }

  private hostTrust(): { trustDir?: string } {
    return this.o.hostTrustDir ? { trustDir: this.o.hostTrustDir } : {};
  }

  private randomHost(hypervisor?: Hypervisor): string {
    const hosts = this.o.hosts(hypervisor);
    if (hosts.length === 0) {
      const kind = hypervisor ? `${hypervisor} ` : '';
      throw new Error(`No connected ${kind}host to check the URL from: add one first.`);
    }
    return hosts[Math.floor((this.o.random ?? Math.random)() * hosts.length)]!;
  }

  /** ConVirt itself fetches into the local image store, with the same verified download. */
  private async downloadToStore(
    name: string,
    format: TemplateFormat,
    urls: readonly string[],
    checksum: Checksum,
    request: Omit<Parameters<typeof downloadCommand>[0], 'url'>,
    onProgress: (bytes: number) => void,
    signal?: AbortSignal,
  ): Promise<string> {
    mkdirSync(this.o.storeDir, { recursive: true });
    const dest = join(this.o.storeDir, `${name}.${format}`);
    const trustDir = request.clientCertificate
      ? this.clientTrustDir(request.clientCertificate)
      : this.o.localTrustDir;
    const errors: string[] = [];
    try {
      for (const url of urls) {
        const argv = downloadCommand({ ...request, url, trustDir }, dest, checksum);
        const r = await runLocally(
          argv,
          headerLines(request.headers),
          (line) => {
            const bytes = progressBytes(line);
            if (bytes !== undefined) onProgress(bytes);
          },
          signal,
        );
        if (signal?.aborted) throw new Error('Cancelled: nothing was kept in the image store.');
        if (r.code === 0) return dest;
        errors.push(`${url}: ${r.stderr.trim()}`);
        if (r.code === EXIT_CHECKSUM_MISMATCH) break;
      }
    } finally {
      if (trustDir !== this.o.localTrustDir) rmSync(trustDir, { recursive: true, force: true });
    }
    throw new Error(
      `The download into the image store failed; nothing was kept.\n${errors.join('\n')}`,
    );
  }

  /**
   * A private trust store (mode 0700, removed after the download) holding the local CA bundle
   * and the client certificate with its key from the secret store: curl needs the key as a file.
   */
  private clientTrustDir(certificate: string): string {
    const cert = this.o.records.certificate(certificate);
    const keyPem = this.o.records.clientKey(certificate);
    if (cert?.kind !== 'client' || keyPem === undefined) {
      throw new Error(`No key is kept for the client certificate ${certificate}: upload it again.`);
    }
    // Inside ConVirt's own data folder (not the shared temporary folder), where a crash mid-way
    // would leave it.
    mkdirSync(this.o.localTrustDir, { recursive: true, mode: 0o700 });
    removeOrphanedClientDirs(this.o.localTrustDir);
    const dir = mkdtempSync(join(this.o.localTrustDir, `client-${process.pid}-`));
    const bundle = join(this.o.localTrustDir, 'ca-bundle.pem');
    if (existsSync(bundle)) copyFileSync(bundle, join(dir, 'ca-bundle.pem'));
    mkdirSync(join(dir, 'client'), { mode: 0o700 });
    writeFileSync(join(dir, 'client', `${certificate}.pem`), cert.pem, { mode: 0o600 });
    writeFileSync(join(dir, 'client', `${certificate}.key`), keyPem, { mode: 0o600 });
    return dir;
  }
}

/**
 * Removes the private client-key folders of ConVirt processes that are gone (a crash mid-way):
 * each is named after the process that made it, which removes it itself when it can.
 */
function removeOrphanedClientDirs(trustDir: string): void {
  for (const name of readdirSync(trustDir)) {
    const pid = /^client-(\d+)-/.exec(name)?.[1];
    if (pid && !processAlive(Number(pid))) {
      rmSync(join(trustDir, name), { recursive: true, force: true });
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, but another user's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs an argument list here, without a shell of ours: argv[0] is the program. Aborting sends it
 * SIGTERM (the download script stops curl and removes its .part).
 */
function runLocally(
  argv: readonly string[],
  stdin: string,
  onLine: (line: string) => void = () => {},
  signal?: AbortSignal,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    // Resolved only once it has exited, so its cleanup is over when the caller looks.
    const stop = () => child.kill('SIGTERM');
    if (signal?.aborted) stop();
    signal?.addEventListener('abort', stop, { once: true });
    child.on('close', () => signal?.removeEventListener('abort', stop));
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      const lines = (stdout + d.toString()).split('\n');
      stdout = lines.pop() ?? '';
      lines.forEach(onLine);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
    child.stdin.end(stdin);
  });
}

/** What a download reports to whoever follows it. */
export interface DownloadObserver {
  log?: (line: string) => void;
  onProgress?: (bytes: number, total?: number) => void;
  /** Aborted when the operator cancels: the download stops and nothing stays. */
  signal?: AbortSignal;
}

/** A task following a download: lines into its log, bytes of total as its progress. */
function taskObserver(ctx: TaskContext): Required<DownloadObserver> {
  return {
    signal: ctx.signal,
    log: (line) => ctx.log(line),
    onProgress: (bytes, total) =>
      ctx.progress(
        total ? Math.min(bytes / total, 1) : null,
        `Downloaded ${bytes} of ${total ?? '?'} bytes`,
      ),
  };
}

async function installLocalCaBundle(trustDir: string, cas: readonly string[]): Promise<void> {
  const r = await runLocally(caBundleCommand(trustDir), caBundleInput(cas));
  if (r.code !== 0) throw new Error(`Cannot write the local CA bundle: ${r.stderr.trim()}`);
}
