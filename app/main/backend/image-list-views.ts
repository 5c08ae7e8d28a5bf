// Image-list subscriptions as the contract sends them: every field present (null when unknown),
// header names only.
import type {
  ImageListImageView,
  ImageListSubscriptionView,
} from '../../shared/domain/image-list.js';
import type { SubscribedImage, Subscription } from '../image-lists/subscription-store.js';
import type { UrlTemplateRecords } from '../templates/template-records.js';

export function subscriptionView(s: Subscription): ImageListSubscriptionView {
  return {
    name: s.name,
    url: s.url,
    trustCaFile: s.trust && 'caFile' in s.trust ? s.trust.caFile : null,
    trustCaDir: s.trust && 'caDir' in s.trust ? s.trust.caDir : null,
    endorserDn: s.endorserDn ?? null,
    allowUnsigned: s.allowUnsigned,
    headerNames: s.headerNames,
    identifier: s.identifier ?? null,
    title: s.title ?? null,
    version: s.version ?? null,
    listCreated: s.listCreated ?? null,
    listExpires: s.listExpires ?? null,
    endorser: s.endorser ?? null,
    state: s.state,
    lastCheckedAt: s.lastCheckedAt ?? null,
    lastError: s.lastError ?? null,
    createdAt: s.createdAt,
  };
}

export function imageView(i: SubscribedImage, records: UrlTemplateRecords): ImageListImageView {
  const template = i.template ? records.find(i.template) : undefined;
  return {
    identifier: i.identifier,
    title: i.title ?? null,
    version: i.version,
    uri: i.uri,
    size: i.size,
    sha512: i.sha512,
    hypervisor: i.hypervisor ?? null,
    format: i.format ?? null,
    os: i.os ?? null,
    osVersion: i.osVersion ?? null,
    arch: i.arch ?? null,
    expires: i.expires ?? null,
    state: i.state,
    template: template?.name ?? null,
    enabled: template ? template.enabled : null,
    note: i.note ?? null,
  };
}
