// What the Catalogs view says about a subscription and an image: its state in words (colour is
// never the only cue), and for an image whose template a host is downloading, that task.
import type {
  ImageListImageView,
  ImageListSubscriptionView,
} from '../../../shared/domain/image-list.js';
import type { Task } from '../../../shared/domain/inventory.js';

export type Tone = 'good' | 'warn' | 'bad' | 'neutral';

export interface SubscriptionStatus {
  label: string;
  tone: Tone;
}

export function subscriptionStatus(s: ImageListSubscriptionView): SubscriptionStatus {
  if (s.state === 'expired') return { label: 'expired', tone: 'bad' };
  // A refused update leaves the last list accepted in force, with this error beside it.
  if (s.lastError !== null) return { label: 'error', tone: 'bad' };
  if (s.state === 'new') return { label: 'not checked yet', tone: 'neutral' };
  return { label: 'current', tone: 'good' };
}

export interface ImageStatus {
  label: string;
  tone: Tone;
  /** A host downloading the image's template into a pool: that task's progress (0 to 1 or null). */
  download?: { progress: number | null; message: string | null };
}

const isLive = (t: Task) => t.status === 'queued' || t.status === 'running';

/** The live download of `template` into a storage pool (a template.deploy task), if any. */
export function liveDownload(template: string, tasks: readonly Task[]): Task | undefined {
  return tasks.find(
    (t) => t.kind === 'template.deploy' && t.target.startsWith(`${template}@`) && isLive(t),
  );
}

export function imageStatus(image: ImageListImageView, tasks: readonly Task[]): ImageStatus {
  if (image.state === 'unusable') return { label: 'unusable', tone: 'bad' };
  if (image.state === 'expired') return { label: 'expired', tone: 'bad' };
  if (image.template === null) return { label: 'not registered', tone: 'neutral' };
  const download = liveDownload(image.template, tasks);
  if (download) {
    return {
      label: 'downloading',
      tone: 'warn',
      download: { progress: download.progress, message: download.message },
    };
  }
  return image.enabled
    ? { label: 'enabled', tone: 'good' }
    : { label: 'registered, disabled', tone: 'warn' };
}

/** What may be done with the image's template from the catalog. */
export function imageActions(image: ImageListImageView): {
  enable: boolean;
  disable: boolean;
  provision: boolean;
} {
  const usable = image.state === 'available' && image.template !== null;
  return {
    enable: usable && image.enabled === false,
    disable: usable && image.enabled === true,
    provision: usable && image.enabled === true,
  };
}

/** "Debian 12" from sl:os and sl:osversion; null when neither is known. */
export function imageOs(image: ImageListImageView): string | null {
  const parts = [image.os, image.osVersion].filter((p): p is string => !!p);
  return parts.length ? parts.join(' ') : null;
}

/** A date and time from the list or the inventory, in the reader's locale. */
export function formatWhen(iso: string | null): string {
  if (iso === null) return '–';
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : at.toLocaleString();
}

/** "Unsubscribed from x; its templates are kept: a, b." */
export function unsubscribedNotice(name: string, templatesKept: readonly string[]): string {
  return templatesKept.length
    ? `Unsubscribed from ${name}; its templates are kept: ${templatesKept.join(', ')}.`
    : `Unsubscribed from ${name}; it had no templates.`;
}
