// Templates and ISOs registered by URL (formats doc, section 3), as one service for the backend
// and convirtctl: registration (template-registration.ts), deployment into storage pools
// (template-deployment.ts), the records, and the certificates the hosts' downloader trusts
// (template-certificates.ts). Registrations and deployments also run as tasks.
import { rmSync } from 'node:fs';
import type { Hypervisor } from '../../shared/domain/host.js';
import { parseHttpHeader, validateDownloadUrl } from '../../shared/validation/download-source.js';
import { InvalidInputError, validateHostPath } from '../../shared/validation/names.js';
import {
  validateRegistration,
  validateTemplateName,
  type RegisterRequest,
} from '../../shared/validation/url-template.js';
import type { Task } from '../inventory/index.js';
import type { TaskRunner } from '../tasks/task-runner.js';
import type { CertificateInfo, CertificateUpload } from './certificates.js';
import { TemplateCertificates } from './template-certificates.js';
import {
  TemplateDeployments,
  type DeployRequest,
  type DeployResult,
} from './template-deployment.js';
import type { PoolCopy } from './pool-copy-records.js';
import type { TemplateSummary, UrlTemplate } from './template-records.js';
import { TemplateRegistration } from './template-registration.js';
import { checkSource, type SourceCheck } from './url-check.js';
import {
  hostTrust,
  randomHost,
  taskObserver,
  type DownloadObserver,
  type UrlTemplateServiceOptions,
} from './url-template-context.js';

export type { RegisterRequest };
export type { DeployRequest, DeployResult } from './template-deployment.js';
export type { DownloadObserver, UrlTemplateServiceOptions } from './url-template-context.js';

export class UrlTemplateService {
  /** Names being registered (no record yet). */
  private readonly registering = new Set<string>();
  private readonly registration: TemplateRegistration;
  private readonly deployments: TemplateDeployments;
  private readonly certificates: TemplateCertificates;

  constructor(private readonly o: UrlTemplateServiceOptions) {
    this.registration = new TemplateRegistration(o);
    this.deployments = new TemplateDeployments(o);
    this.certificates = new TemplateCertificates(o);
  }

  /** Checks every candidate URL from one random host (of `hypervisor`, when given). */
  async checkUrl(
    url: string,
    headers: readonly string[] = [],
    hypervisor?: Hypervisor,
  ): Promise<SourceCheck & { host: string }> {
    validateDownloadUrl(url);
    const parsed = headers.map(parseHttpHeader);
    const host = randomHost(this.o, hypervisor);
    const shell = await this.o.connect(host);
    return { host, ...(await checkSource(shell, { url, headers: parsed, ...hostTrust(this.o) })) };
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
      return await this.registration.register(r, progress);
    } finally {
      this.registering.delete(r.name);
    }
  }

  /**
   * Forgets a template and deletes its copy in the local image store. Copies already on storage
   * pools are left where they are (VMs may use them); they are returned so the caller can say so.
   */
  remove(name: string): { leftOnPools: PoolCopy[] } {
    const t = this.o.records.get(validateTemplateName(name));
    const leftOnPools = this.o.records.poolCopies.list(t.name);
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
    return this.o.records.poolCopies.get(template, pool) !== undefined;
  }

  list(): (TemplateSummary & { pools: PoolCopy[] })[] {
    return this.o.records
      .list()
      .map((t) => ({ ...t, pools: this.o.records.poolCopies.list(t.name) }));
  }

  /**
   * Puts the template on a storage pool: the copy already there, or a download by the
   * destination host (then the pool's other hosts), verified on the host, recorded for reuse.
   */
  deploy(r: DeployRequest): Promise<DeployResult> {
    return this.deployments.deploy(r);
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
  addCertificate(upload: CertificateUpload): Promise<{ info: CertificateInfo; failed: string[] }> {
    return this.certificates.addCertificate(upload);
  }

  listCertificates(): CertificateInfo[] {
    return this.certificates.listCertificates();
  }

  removeCertificate(name: string): Promise<{ failed: string[] }> {
    return this.certificates.removeCertificate(name);
  }

  /** For a host added later: the CA bundle and every client certificate with its key. */
  installCertificatesOn(host: string): Promise<void> {
    return this.certificates.installCertificatesOn(host);
  }
}
