// What an image-list endorser publishes, for unit, integration and UI tests: a CA (as a file and
// as an OpenSSL hashed-name folder), an endorser certificate, HEPiX lists signed with them as
// S/MIME multipart/signed (or left unsigned), all made by the openssl program; and, for the test
// bed, lists and images (qcow2, and OVA made with qemu-img and tar) in a folder its nginx serves.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { DownloadServersInfo } from '../bed/nginx.js';

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

/** A folder the test bed's nginx serves (its document root is `<downloads.dir>/www`). */
export interface ServedFolder {
  dir: string;
  /** The folder's URL, without a trailing slash. */
  url: string;
}

/** `<downloads.dir>/www/image-lists/<name>`, created, and its URL on the plain HTTP server. */
export function servedFolder(
  downloads: Pick<DownloadServersInfo, 'dir' | 'http'>,
  name: string,
): ServedFolder {
  const dir = join(downloads.dir, 'www', 'image-lists', name);
  mkdirSync(dir, { recursive: true });
  return { dir, url: `${downloads.http}/image-lists/${name}` };
}

/**
 * Copies `file` into the served folder as `name` and describes it as a list's image: its URL,
 * size and SHA-512 taken from the bytes served.
 */
export function serveImage(
  folder: ServedFolder,
  file: string,
  image: Omit<ListImage, 'uri' | 'size' | 'sha512'> & { name?: string },
): ListImage {
  const { name = basename(file), ...fields } = image;
  const served = join(folder.dir, name);
  copyFileSync(file, served);
  const bytes = readFileSync(served);
  return {
    ...fields,
    uri: `${folder.url}/${name}`,
    size: bytes.length,
    sha512: createHash('sha512').update(bytes).digest('hex'),
  };
}

/**
 * Writes the list as `file` in the served folder, signed by `signer` (or unsigned: `null`), and
 * returns its URL. Publishing again under the same name replaces it, as an endorser does.
 */
export function publishImageList(
  folder: ServedFolder,
  file: string,
  spec: ListSpec,
  signer: Endorser | null,
  pki: Pick<ImageListPki, 'dir'>,
): string {
  const json = imageListJson(spec);
  writeFileSync(join(folder.dir, file), signer ? signImageList(json, signer, pki.dir) : json);
  return `${folder.url}/${file}`;
}

/**
 * An OVA of `disk` (converted to a streamOptimized VMDK by qemu-img, as exporters write it) and
 * its OVF descriptor, the descriptor first as OVF 1.x asks; written as `<dir>/<name>.ova`.
 */
export function makeOva(dir: string, name: string, disk: string): string {
  const work = mkdtempSync(join(tmpdir(), 'convirt-ova-'));
  try {
    const vmdk = `${name}-disk1.vmdk`;
    execFileSync('qemu-img', [
      'convert',
      '-O',
      'vmdk',
      '-o',
      'subformat=streamOptimized',
      disk,
      join(work, vmdk),
    ]);
    const info = JSON.parse(
      execFileSync('qemu-img', ['info', '--output=json', disk]).toString(),
    ) as {
      'virtual-size': number;
    };
    writeFileSync(join(work, `${name}.ovf`), ovfDescriptor(name, vmdk, info['virtual-size']));
    const ova = join(dir, `${name}.ova`);
    execFileSync('tar', ['-cf', ova, '--format=ustar', '-C', work, `${name}.ovf`, vmdk]);
    return ova;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function ovfDescriptor(name: string, vmdk: string, capacity: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"
    xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
    xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData">
  <References>
    <File ovf:id="file1" ovf:href="${vmdk}"/>
  </References>
  <DiskSection>
    <Info>Virtual disks</Info>
    <Disk ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:capacity="${capacity}"
        ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
  </DiskSection>
  <VirtualSystem ovf:id="${name}">
    <Info>A tiny test VM</Info>
    <Name>${name}</Name>
  </VirtualSystem>
</Envelope>
`;
}
