// Whether a verified list may replace the one a subscription holds (formats doc, section 5): the
// identifier subscribed to, a creation date not in the future, not expired, not an older version.
import { compareVersions, ImageListRefusedError, type ImageList } from './hepix.js';

/** What a subscription holds from its last accepted list (nothing before the first). */
export interface HeldList {
  identifier?: string;
  version?: string;
}

const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z');

/** Throws ImageListRefusedError for a list that must not be used; an expired one last of all. */
export function checkAcceptable(list: ImageList, held: HeldList, now: Date): void {
  if (held.identifier !== undefined && list.identifier !== held.identifier) {
    throw new ImageListRefusedError(
      'identifier-mismatch',
      `The image list's dc:identifier is ${list.identifier}, not ${held.identifier} as subscribed.`,
    );
  }
  if (list.created.getTime() > now.getTime()) {
    throw new ImageListRefusedError(
      'created-in-future',
      `The image list's creation date ${iso(list.created)} is in the future (now ${iso(now)}).`,
    );
  }
  if (held.version !== undefined && compareVersions(list.version, held.version) < 0) {
    throw new ImageListRefusedError(
      'older-version',
      `The image list's version ${list.version} is older than the version ${held.version} already held.`,
    );
  }
  if (list.expires.getTime() <= now.getTime()) {
    throw new ImageListRefusedError(
      'expired',
      `The image list expired on ${iso(list.expires)}: the subscription is marked expired and its images expire.`,
    );
  }
}
