// The certificates the hosts' downloader trusts (CA bundle) or presents (client certificates with
// their keys, kept in the secret store): installed on every host and locally, for the image
// store's downloads, and on hosts added later.
import { InvalidInputError } from '../../shared/validation/names.js';
import { validateCertificateName } from '../../shared/validation/url-template.js';
import type { RemoteShell } from '../ssh/ssh-connection.js';
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
import { runLocally } from './local-process.js';
import type { UrlTemplateServiceOptions } from './url-template-context.js';

export class TemplateCertificates {
  constructor(private readonly o: UrlTemplateServiceOptions) {}

  /**
   * Checks the certificate, installs it on every host (and locally, for the image store's
   * downloads), then records it. Returns the hosts it could not be installed on.
   */
  async addCertificate(
    upload: CertificateUpload,
  ): Promise<{ info: CertificateInfo; failed: string[] }> {
    const info = inspectCertificate(upload);
    if (this.o.records.certificates.get(upload.name)) {
      throw new InvalidInputError('name', `A certificate named ${upload.name} already exists.`);
    }
    // The key is kept first: a locked secret store refuses the upload before any host has it.
    if (upload.kind === 'client')
      this.o.records.certificates.setClientKey(upload.name, upload.keyPem ?? '');
    const cas = [...this.caPems(), ...(upload.kind === 'ca' ? [upload.pem] : [])];
    const install = (shell: RemoteShell, trustDir?: string) =>
      upload.kind === 'ca'
        ? installCaBundle(shell, cas, trustDir)
        : installClientCertificate(shell, upload, trustDir);
    const failed = await this.onEveryHost((shell) => install(shell, this.o.hostTrustDir));
    if (upload.kind === 'ca') await installLocalCaBundle(this.o.localTrustDir, cas);
    this.o.records.certificates.add(info, upload.pem);
    return { info, failed };
  }

  listCertificates(): CertificateInfo[] {
    return this.o.records.certificates.list().map(({ pem: _pem, ...info }) => info);
  }

  async removeCertificate(name: string): Promise<{ failed: string[] }> {
    const cert = this.o.records.certificates.get(validateCertificateName(name));
    if (!cert) throw new InvalidInputError('name', `No certificate named ${name}.`);
    if (cert.kind === 'client') this.o.records.certificates.removeClientKey(name);
    this.o.records.certificates.remove(name);
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
    const clients = this.o.records.certificates.list().filter((c) => c.kind === 'client');
    if (cas.length === 0 && clients.length === 0) return;
    const shell = await this.o.connect(host);
    if (cas.length) await installCaBundle(shell, cas, this.o.hostTrustDir);
    const missing: string[] = [];
    for (const c of clients) {
      const keyPem = this.o.records.certificates.clientKey(c.name);
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
    return this.o.records.certificates
      .list()
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
}

async function installLocalCaBundle(trustDir: string, cas: readonly string[]): Promise<void> {
  const r = await runLocally(caBundleCommand(trustDir), caBundleInput(cas));
  if (r.code !== 0) throw new Error(`Cannot write the local CA bundle: ${r.stderr.trim()}`);
}
