// Putting a template on a storage pool: the copy already there (recorded, and still on the host),
// else a copy from the local image store, else a download by the destination host (then the
// pool's other hosts), verified on the host and recorded for the next VM; an OVA's disk is then
// converted into the copy there (ova.ts). One at a time per template and pool.
import { existsSync, statSync } from 'node:fs';
import { formatChecksum, type Checksum } from '../../shared/validation/download-source.js';
import { validateHostPath } from '../../shared/validation/names.js';
import { hashFileWith } from '../provisioning/checksums.js';
import { uploadFile } from '../provisioning/file-upload.js';
import type { RemoteShell } from '../ssh/ssh-connection.js';
import { downloadOnHosts } from './host-download.js';
import { convertOvaOnHost } from './ova.js';
import { hostTrust, type UrlTemplateServiceOptions } from './url-template-context.js';

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

export class TemplateDeployments {
  /** Deployments running, per template and pool. */
  private readonly deploying = new Map<string, Promise<DeployResult>>();

  constructor(private readonly o: UrlTemplateServiceOptions) {}

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
    const known = this.o.records.poolCopies.get(t.name, r.pool);
    if (known) {
      const shell = await this.o.connect(first);
      if ((await shell.exec(['test', '-f', known.path])).code === 0) {
        r.log?.(`${t.name} is already on ${r.pool} (${known.path}): nothing to download.`);
        return { path: known.path, downloaded: false, host: first };
      }
      r.log?.(`The copy recorded on ${r.pool} (${known.path}) is gone: downloading again.`);
      this.o.records.poolCopies.remove(t.name, r.pool);
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
    // A renamed older version (an image list's rotation) keeps its file, which VMs may use as
    // their backing disk: the new version under the same name never overwrites it.
    const byName = `${r.poolDir}/template-${t.name}.${t.format}`;
    const path = this.o.records.poolCopies.pathTaken(r.pool, byName)
      ? `${r.poolDir}/template-${t.name}-${t.id}.${t.format}`
      : byName;
    // An OVA arrives beside the copy, and its disk is converted into the copy by the same host.
    const arrival = t.container ? validateHostPath(`${path}.${t.container}`) : path;
    const unpack = async (shell: RemoteShell): Promise<number | undefined> => {
      if (!t.container) return undefined;
      await convertOvaOnHost(shell, arrival, path, r.log);
      return Number((await shell.run(['stat', '-c', '%s', '--', path])).trim());
    };
    if (t.storePath && existsSync(t.storePath)) {
      await this.copyFromStore(t.storePath, t.checksum, destination, arrival, r);
      const converted = await unpack(destination);
      this.o.records.poolCopies.add({
        template: t.name,
        pool: r.pool,
        path,
        size: converted ?? statSync(t.storePath).size,
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
        ...hostTrust(this.o),
        checksum: t.checksum,
        dest: arrival,
        ...(t.size !== undefined ? { total: t.size } : {}),
        ...(r.onProgress ? { onProgress: r.onProgress } : {}),
        ...(r.log ? { log: r.log } : {}),
        ...(r.signal ? { signal: r.signal } : {}),
      },
    );
    const host = r.hosts[result.hostIndex]!;
    const converted = await unpack(await this.o.connect(host));
    this.o.records.poolCopies.add({
      template: t.name,
      pool: r.pool,
      path,
      size: converted ?? result.size,
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
}
