// The subscribe dialog's form, checked before anything is sent: the list's URL by the shared
// download-URL validator, the trusted CAs (a path on the machine ConVirt runs on, which reads
// them itself), the pinned endorser, the name and the header rows. Main checks it all again.
import type { ConvirtClient } from '../../../shared/contract/convirt-contract.js';
import { validateDownloadUrl } from '../../../shared/validation/download-source.js';
import { FILE_NAME_RULE } from '../../../shared/validation/names.js';
import {
  checkHeaderRows,
  foundErrors,
  problem,
  type FormErrors,
  type HeaderRow,
} from '../common/form-checks.js';

export type SubscribeRequest = Parameters<ConvirtClient['subscribeImageList']>[0];

/** A PEM file of CAs, or an OpenSSL hashed-name folder such as /etc/grid-security/certificates. */
export type TrustKind = 'file' | 'folder';

export interface SubscribeForm {
  url: string;
  trustKind: TrustKind;
  trustPath: string;
  endorserDn: string;
  name: string;
  headers: HeaderRow[];
  allowUnsigned: boolean;
}

export const EMPTY_SUBSCRIBE_FORM: SubscribeForm = {
  url: '',
  trustKind: 'folder',
  trustPath: '',
  endorserDn: '',
  name: '',
  headers: [],
  allowUnsigned: false,
};

/** The form's fields main names in its refusals (`trustCa` is the trust path). */
export const SUBSCRIBE_FIELDS: Record<string, keyof SubscribeForm> = {
  url: 'url',
  name: 'name',
  trustCa: 'trustPath',
  trustCaFile: 'trustPath',
  trustCaDir: 'trustPath',
  endorserDn: 'endorserDn',
};

export type CheckedSubscribeForm =
  { ok: true; request: SubscribeRequest } | { ok: false; errors: FormErrors };

function checkTrustPath(form: SubscribeForm, path: string): void {
  const what = form.trustKind === 'file' ? 'CA file' : 'CA folder';
  if (!path) {
    if (form.allowUnsigned) return;
    throw new Error(
      `Give the ${what} to verify the list's signature with, or allow unsigned lists.`,
    );
  }
  if (!/^\/[^\0\n\r]*$/.test(path)) {
    throw new Error(`The ${what} must be an absolute path on the machine ConVirt runs on.`);
  }
}

function checkEndorserDn(dn: string): void {
  if (dn.length > 1024) throw new Error('The endorser DN is at most 1024 characters.');
  if (!/^\/[^/=]+=/.test(dn)) {
    throw new Error(
      "Write the endorser DN the OpenSSL one-line way, starting with '/': /DC=org/DC=example/CN=Jane Endorser",
    );
  }
}

function checkName(name: string): void {
  if (!FILE_NAME_RULE.test(name)) {
    throw new Error(
      `Invalid subscription name ${JSON.stringify(name)}: 1 to 64 letters, digits, '.', '_' or '-'.`,
    );
  }
}

/** Empty optional fields are left out; an empty trust path with "allow unsigned" trusts no CA. */
export function checkSubscribeForm(form: SubscribeForm): CheckedSubscribeForm {
  const url = form.url.trim();
  const trustPath = form.trustPath.trim();
  const endorserDn = form.endorserDn.trim();
  const name = form.name.trim();
  const headers = checkHeaderRows(form.headers);
  const errors = foundErrors({
    url: problem(() => validateDownloadUrl(url)),
    trustPath: problem(() => checkTrustPath(form, trustPath)),
    endorserDn: endorserDn ? problem(() => checkEndorserDn(endorserDn)) : undefined,
    name: name ? problem(() => checkName(name)) : undefined,
    ...headers.errors,
  });
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const trust = trustPath
    ? form.trustKind === 'file'
      ? { trustCaFile: trustPath }
      : { trustCaDir: trustPath }
    : {};
  return {
    ok: true,
    request: {
      url,
      ...trust,
      ...(endorserDn ? { endorserDn } : {}),
      ...(name ? { name } : {}),
      ...(headers.headers.length ? { headers: headers.headers } : {}),
      ...(form.allowUnsigned ? { allowUnsigned: true } : {}),
    },
  };
}
