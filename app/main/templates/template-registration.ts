// Registering a template or ISO by URL: the URL checked from one random host of the right
// hypervisor (a metalink's mirrors each), its size and qcow2 virtual size read, then either a
// direct download (nothing copied until a host downloads it into its pool) or a verified copy
// in the local image store, and the record.
import { rmSync } from 'node:fs';
import { formatChecksum, type Checksum } from '../../shared/validation/download-source.js';
import { InvalidInputError } from '../../shared/validation/names.js';
import type { validateRegistration } from '../../shared/validation/url-template.js';
import { downloadToStore } from './store-download.js';
import type { UrlTemplate } from './template-records.js';
import { checkSource, readQcow2VirtualSize } from './url-check.js';
import {
  hostTrust,
  randomHost,
  type DownloadObserver,
  type UrlTemplateServiceOptions,
} from './url-template-context.js';

/** A registration that passed validateRegistration. */
export type ValidRegistration = ReturnType<typeof validateRegistration>;

export class TemplateRegistration {
  constructor(private readonly o: UrlTemplateServiceOptions) {}

  /**
   * Checks the URL from a host and records the template; `progress.log` hears each step (the
   * host checking, each candidate's result, the download into the image store), and
   * `progress.onProgress` the bytes of that download.
   */
  async register(
    r: ReturnType<typeof validateRegistration>,
    progress: DownloadObserver,
  ): Promise<UrlTemplate> {
    const log = progress.log ?? (() => {});
    const { format, hypervisor, headers } = r;
    if (
      r.clientCertificate &&
      this.o.records.certificates.get(r.clientCertificate)?.kind !== 'client'
    ) {
      throw new InvalidInputError(
        'clientCertificate',
        `No client certificate named ${r.clientCertificate}.`,
      );
    }
    const client = r.clientCertificate ? { clientCertificate: r.clientCertificate } : {};
    const host = randomHost(this.o, hypervisor);
    log(`Checking ${r.url} from ${host}.`);
    const shell = await this.o.connect(host);
    const check = await checkSource(shell, {
      url: r.url,
      headers,
      ...client,
      ...hostTrust(this.o),
    });
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
    // An OVA's bytes are a tar, not the qcow2 its disk becomes: nothing to read there.
    const known = check.reachable.size ?? check.metalink?.size;
    const virtualSize =
      !r.container && (format === 'qcow2' || known === undefined)
        ? await readQcow2VirtualSize(shell, {
            url: check.reachable.url,
            headers,
            ...client,
            ...hostTrust(this.o),
          })
        : undefined;
    const size = known ?? virtualSize;
    const record = {
      name: r.name,
      format,
      ...(r.container ? { container: r.container } : {}),
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
    const storePath = await downloadToStore(
      this.o,
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
}
