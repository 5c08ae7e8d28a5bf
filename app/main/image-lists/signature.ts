// Opening a fetched image list: an S/MIME `multipart/signed` message is verified by the openssl
// program (never a parser of ours) against the subscription's trusted CAs, and its signer must be
// the endorser the list names (and the one pinned at subscription, if any). An unsigned list is
// read only when the subscription allows it explicitly.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ImageListRefusedError, parseImageList, type ImageList } from './hepix.js';

const run = promisify(execFile);

/** Where a subscription's trusted CAs are: one PEM file, or an OpenSSL hashed-name folder. */
export type TrustAnchors = { caFile: string } | { caDir: string };

export interface OpenOptions {
  trust?: TrustAnchors;
  /** The signer's subject must be this, OpenSSL one-line form. */
  endorserDn?: string;
  allowUnsigned?: boolean;
  /** The openssl program; `openssl` on the PATH if not given. */
  openssl?: string;
}

export interface Signer {
  subject: string;
  issuer: string;
}

export interface OpenedImageList {
  list: ImageList;
  /** Absent for an unsigned list (read only with allowUnsigned). */
  signer?: Signer;
}

/** Whether a fetched body is an S/MIME signed message: its MIME headers say multipart/signed. */
export function isSignedMessage(body: string): boolean {
  const end = body.search(/\r?\n\r?\n/);
  const headers = end < 0 ? '' : body.slice(0, end);
  return /^content-type:\s*multipart\/signed/im.test(headers);
}

/** A signed part's own MIME headers (`Content-Type: text/plain`), if any, taken off. */
function stripPartHeaders(content: string): string {
  if (/^\s*[{[]/.test(content)) return content;
  const end = content.search(/\r?\n\r?\n/);
  return end < 0 ? content : content.slice(end).trimStart();
}

/** `subject=/DC=org/CN=x` lines of `openssl x509 -nameopt compat`, by name. */
function oneLineNames(output: string): Signer {
  const field = (name: string) =>
    new RegExp(`^${name}=\\s*(.*)$`, 'm').exec(output)?.[1]?.trim() ?? '';
  return { subject: field('subject'), issuer: field('issuer') };
}

function firstLine(stderr: string): string {
  return (
    stderr
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? 'openssl gave no reason'
  );
}

async function verifySignature(
  body: string,
  trust: TrustAnchors,
  openssl: string,
): Promise<{ content: string; signer: Signer }> {
  const dir = await mkdtemp(join(tmpdir(), 'convirt-imagelist-'));
  try {
    const message = join(dir, 'list.smime');
    const content = join(dir, 'list.json');
    const signerPem = join(dir, 'signer.pem');
    await writeFile(message, body);
    const anchors = 'caFile' in trust ? ['-CAfile', trust.caFile] : ['-CApath', trust.caDir];
    try {
      // -purpose any: endorser certificates are grid personal certificates, often without the
      // S/MIME extended key usage; who may sign is decided by hv:dn, hv:ca and the pin below.
      await run(openssl, [
        'smime',
        '-verify',
        '-in',
        message,
        '-inform',
        'SMIME',
        ...anchors,
        '-purpose',
        'any',
        '-signer',
        signerPem,
        '-out',
        content,
      ]);
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr ?? (err as Error).message;
      throw new ImageListRefusedError(
        'bad-signature',
        `The image list's signature does not verify against the trusted CAs: ${firstLine(stderr)}`,
      );
    }
    const { stdout } = await run(openssl, [
      'x509',
      '-in',
      signerPem,
      '-noout',
      '-subject',
      '-issuer',
      '-nameopt',
      'compat',
    ]);
    return {
      content: stripPartHeaders(await readFile(content, 'utf8')),
      signer: oneLineNames(stdout),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Verifies and parses a fetched list. Refusals (ImageListRefusedError): an unsigned list without
 * allowUnsigned, a signature that does not verify, a signer other than the list's hv:dn / hv:ca
 * or the pinned endorser, a list missing required fields.
 */
export async function openImageList(body: string, o: OpenOptions): Promise<OpenedImageList> {
  if (!isSignedMessage(body)) {
    if (!o.allowUnsigned) {
      throw new ImageListRefusedError(
        'unsigned',
        'The image list is not signed (no S/MIME multipart/signed message); subscribe with --allow-unsigned to accept unsigned lists.',
      );
    }
    return { list: parseImageList(body) };
  }
  if (!o.trust) {
    throw new ImageListRefusedError(
      'bad-signature',
      'The image list is signed but the subscription trusts no CA to verify it with.',
    );
  }
  const { content, signer } = await verifySignature(body, o.trust, o.openssl ?? 'openssl');
  const list = parseImageList(content);
  const { dn, ca } = list.endorser;
  if (signer.subject !== dn || signer.issuer !== ca) {
    throw new ImageListRefusedError(
      'wrong-signer',
      `The image list is signed by ${signer.subject} (issuer ${signer.issuer}), not by its endorser ${dn} (issuer ${ca}).`,
    );
  }
  if (o.endorserDn !== undefined && signer.subject !== o.endorserDn) {
    throw new ImageListRefusedError(
      'wrong-signer',
      `The image list is signed by ${signer.subject}, not by the endorser this subscription trusts, ${o.endorserDn}.`,
    );
  }
  return { list, signer };
}
