// Templates and URL checks as the contract carries them. HTTP header values are secrets: a view
// names the headers only, so a value never reaches a renderer, a list or a log.
import type { TemplateView, UrlCheckView } from '../../shared/contract/convirt-contract.js';
import { formatChecksum } from '../../shared/validation/download-source.js';
import type { PoolCopy } from '../templates/pool-copy-records.js';
import type { TemplateSummary } from '../templates/template-records.js';
import type { SourceCheck } from '../templates/url-check.js';

export function templateView(t: TemplateSummary & { pools: PoolCopy[] }): TemplateView {
  return {
    name: t.name,
    format: t.format,
    url: t.url,
    checksum: t.checksum ? formatChecksum(t.checksum) : null,
    os: t.os ?? null,
    hypervisor: t.hypervisor,
    directDownload: t.directDownload,
    downloadState: t.downloadState,
    state: t.state,
    size: t.size ?? null,
    virtualSize: t.virtualSize ?? null,
    clientCertificate: t.clientCertificate ?? null,
    headerNames: t.headerNames,
    mirrors: t.mirrors ?? [],
    createdAt: t.createdAt,
    pools: t.pools.map(({ pool, path, size, downloadedBy, createdAt }) => ({
      pool,
      path,
      size,
      downloadedBy,
      createdAt,
    })),
    enabled: t.enabled,
    serverPools: t.serverPools ?? null,
  };
}

export function urlCheckView(check: SourceCheck & { host: string }): UrlCheckView {
  return {
    host: check.host,
    url: check.url,
    candidates: check.candidates.map((c) => ({
      url: c.url,
      ok: c.ok,
      status: c.status,
      size: c.size ?? null,
      error: c.error ?? null,
    })),
    reachable: check.reachable?.url ?? null,
    metalinkHashes: check.metalink ? check.metalink.hashes.map(formatChecksum) : null,
  };
}
