// When a call needs ConVirt's secret store unlocked before it runs: the one place these rules
// are written, for every client (the UI over IPC or WebSocket, and convirtctl). A locked store
// asks the calling client its master passphrase then, rather than in the middle of a task.
import type { ConvirtService } from '../../shared/contract/convirt-contract.js';
import type { UrlTemplateService } from '../templates/url-template-service.js';

/** 'required': a refusal fails the call; 'wanted': the call goes on and what needs it fails. */
export type StoreNeed = 'required' | 'wanted' | undefined;

type Rule<K extends keyof ConvirtService> = (
  templates: UrlTemplateService,
  ...args: Parameters<ConvirtService[K]>
) => StoreNeed;

/** HTTP header values of templates are kept in the store. */
const hasHeaders = (templates: UrlTemplateService, name: string) =>
  Boolean(templates.list().find((t) => t.name === name)?.headerNames.length);

/** So are the keys of client certificates. */
const isClientCertificate = (templates: UrlTemplateService, name: string) =>
  templates.listCertificates().find((c) => c.name === name)?.kind === 'client';

const RULES: { [K in keyof ConvirtService]?: Rule<K> } = {
  // New header values go into the store, and so does a client certificate's key for a download
  // into the local image store.
  registerTemplate: (_, request) =>
    request.headers?.length || (request.clientCertificate && !request.directDownload)
      ? 'required'
      : undefined,
  provisionFromTemplate: (templates, _host, template) =>
    hasHeaders(templates, template) ? 'required' : undefined,
  deployTemplate: (templates, name) => (hasHeaders(templates, name) ? 'required' : undefined),
  // Its header values leave the store with it.
  removeTemplate: (templates, name) => (hasHeaders(templates, name) ? 'required' : undefined),
  // An image list's header values go into the store too.
  subscribeImageList: (_, request) => (request.headers?.length ? 'required' : undefined),
  addCertificate: (_, upload) => (upload.kind === 'client' ? 'required' : undefined),
  removeCertificate: (templates, name) =>
    isClientCertificate(templates, name) ? 'required' : undefined,
  // A new host gets the certificates for downloads by URL; a store nobody unlocks still lets the
  // CAs go on (the client keys then fail, in that task's record).
  addHost: (templates) =>
    templates.listCertificates().some((c) => c.kind === 'client') ? 'wanted' : undefined,
};

export function secretStoreNeed<K extends keyof ConvirtService>(
  templates: UrlTemplateService,
  method: K,
  args: Parameters<ConvirtService[K]>,
): StoreNeed {
  const rule = RULES[method];
  return rule?.(templates, ...args);
}
