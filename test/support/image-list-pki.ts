// A CA, an endorser certificate and HEPiX image lists signed with them, all made by the openssl
// program in a temp folder: what an image-list endorser publishes, for unit and integration tests.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Endorser {
  cert: string;
  key: string;
  /** Subject and issuer, OpenSSL one-line form. */
  dn: string;
  ca: string;
}

export interface ImageListPki {
  dir: string;
  caFile: string;
  /** An OpenSSL hashed-name folder holding the CA (like /etc/grid-security/certificates). */
  caDir: string;
  endorser: Endorser;
  /** Signed by the same CA, but not the list's endorser. */
  other: Endorser;
  /** A CA nobody trusts, and an endorser certificate of it. */
  rogue: Endorser;
}

const openssl = (args: string[], cwd: string) =>
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

function makeCa(dir: string, name: string, subject: string): string {
  openssl(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', subject].concat([
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
    ]),
    dir,
  );
  return join(dir, `${name}.pem`);
}

function makeEndorser(dir: string, name: string, ca: string, subject: string): Endorser {
  openssl(
    ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', subject].concat([
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    ]),
    dir,
  );
  openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`].concat([
      '-CAcreateserial',
      '-days',
      '1',
      '-out',
      `${name}.pem`,
    ]),
    dir,
  );
  const names = openssl(
    ['x509', '-in', `${name}.pem`, '-noout', '-subject', '-issuer', '-nameopt', 'compat'],
    dir,
  );
  const field = (f: string) => new RegExp(`^${f}=(.*)$`, 'm').exec(names)![1]!.trim();
  return {
    cert: join(dir, `${name}.pem`),
    key: join(dir, `${name}.key`),
    dn: field('subject'),
    ca: field('issuer'),
  };
}

export function makeImageListPki(): ImageListPki {
  const dir = mkdtempSync(join(tmpdir(), 'convirt-imagelist-pki-'));
  const caFile = makeCa(dir, 'ca', '/DC=org/DC=example/CN=Example Grid CA');
  makeCa(dir, 'rogue-ca', '/DC=org/DC=example/CN=Example Grid CA');
  const caDir = join(dir, 'certificates');
  mkdirSync(caDir);
  const hash = openssl(['x509', '-in', caFile, '-noout', '-subject_hash'], dir).trim();
  writeFileSync(join(caDir, `${hash}.0`), readFileSync(caFile));
  return {
    dir,
    caFile,
    caDir,
    endorser: makeEndorser(dir, 'endorser', 'ca', '/DC=org/DC=example/O=People/CN=Jane Endorser'),
    other: makeEndorser(dir, 'other', 'ca', '/DC=org/DC=example/O=People/CN=Joe Other'),
    rogue: makeEndorser(dir, 'rogue', 'rogue-ca', '/DC=org/DC=example/O=People/CN=Jane Endorser'),
  };
}

/** `%Y-%m-%dT%H:%M:%SZ` */
export const hepixDate = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface ListImage {
  identifier: string;
  title?: string;
  uri: string;
  size: number;
  sha512: string;
  version: string;
  format?: string;
  hypervisor?: string;
  os?: string;
}

export interface ListSpec {
  identifier: string;
  version: string;
  endorser: Pick<Endorser, 'dn' | 'ca'>;
  images: ListImage[];
  created?: Date;
  expires?: Date;
  title?: string;
}

/** A list's JSON, HEPiX field names. */
export function imageListJson(spec: ListSpec): string {
  const now = Date.now();
  return JSON.stringify(
    {
      'hv:imagelist': {
        'dc:identifier': spec.identifier,
        'dc:title': spec.title ?? 'Example endorsed images',
        'dc:description': 'Images for the tests',
        'dc:date:created': hepixDate(spec.created ?? new Date(now - 60_000)),
        'dc:date:expires': hepixDate(spec.expires ?? new Date(now + 86_400_000)),
        'dc:source': 'https://example.org/',
        'hv:version': spec.version,
        'hv:uri': 'https://example.org/list.smime',
        'hv:endorser': {
          'hv:x509': {
            'hv:ca': spec.endorser.ca,
            'hv:dn': spec.endorser.dn,
            'hv:email': 'jane@example.org',
            'dc:creator': 'Jane Endorser',
          },
        },
        'hv:images': spec.images.map((i) => ({
          'hv:image': {
            'dc:identifier': i.identifier,
            'dc:title': i.title ?? i.identifier,
            'dc:description': '',
            'hv:uri': i.uri,
            'hv:size': i.size,
            'sl:checksum:sha512': i.sha512,
            'hv:version': i.version,
            'hv:hypervisor': i.hypervisor ?? 'QEMU,KVM',
            'hv:format': i.format ?? 'qcow2',
            'sl:arch': 'x86_64',
            'sl:os': i.os ?? 'Linux',
            'sl:osversion': 'Tiny 1',
            'sl:comments': '',
          },
        })),
      },
    },
    null,
    2,
  );
}

/** `json` signed by `signer` as an S/MIME multipart/signed message, as vmcatcher's lists are. */
export function signImageList(json: string, signer: Endorser, dir: string): string {
  const input = join(dir, `list-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(input, json);
  return openssl(
    ['smime', '-sign', '-signer', signer.cert, '-inkey', signer.key, '-in', input],
    dir,
  );
}
