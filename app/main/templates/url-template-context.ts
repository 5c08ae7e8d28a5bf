// What every part of templates by URL shares: the service's options (records, hosts, stores),
// the hosts' trust store, the host a URL is checked from, and how a task follows a download.
import type { Hypervisor } from '../../shared/domain/host.js';
import type { RemoteShell } from '../ssh/ssh-connection.js';
import type { TaskContext } from '../tasks/task-runner.js';
import type { UrlTemplateRecords } from './template-records.js';

export interface UrlTemplateServiceOptions {
  records: UrlTemplateRecords;
  /** The hosts ConVirt can reach with this hypervisor (all hypervisors when not given). */
  hosts(hypervisor?: Hypervisor): string[];
  connect(host: string): Promise<RemoteShell>;
  /** The local image store folder: non-direct templates are downloaded here. */
  storeDir: string;
  /** ConVirt's own trust store on this machine, for those local downloads. */
  localTrustDir: string;
  /** convirt.conf's http_proxy, for those local downloads only; null or unset: none set. */
  httpProxy?: string | null;
  /** ConVirt's trust store on the hosts; DEFAULT_TRUST_DIR under the login's home if not given. */
  hostTrustDir?: string;
  random?: () => number;
}

export function hostTrust(o: UrlTemplateServiceOptions): { trustDir?: string } {
  return o.hostTrustDir ? { trustDir: o.hostTrustDir } : {};
}

export function randomHost(o: UrlTemplateServiceOptions, hypervisor?: Hypervisor): string {
  const hosts = o.hosts(hypervisor);
  if (hosts.length === 0) {
    const kind = hypervisor ? `${hypervisor} ` : '';
    throw new Error(`No connected ${kind}host to check the URL from: add one first.`);
  }
  return hosts[Math.floor((o.random ?? Math.random)() * hosts.length)]!;
}

/** What a download reports to whoever follows it. */
export interface DownloadObserver {
  log?: (line: string) => void;
  onProgress?: (bytes: number, total?: number) => void;
  /** Aborted when the operator cancels: the download stops and nothing stays. */
  signal?: AbortSignal;
}

/** A task following a download: lines into its log, bytes of total as its progress. */
export function taskObserver(ctx: TaskContext): Required<DownloadObserver> {
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
