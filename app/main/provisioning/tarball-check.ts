// The check a root tarball passes before it is unpacked as root on a host (DTC's install_os runs
// `tar -x` there): every member stays inside the VM's root. Read here, where the archive is, so a
// bad one is refused before any command runs on the host.
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InvalidInputError } from '../../shared/validation/names.js';
import type { ContentFormat } from '../image-store/image-store.js';

const BLOCK = 512;
/** How many offending members the refusal names. */
const NAMED = 5;

/** One member of a tar archive, as far as the check needs it. */
export interface TarMember {
  path: string;
  /** The tar type flag: '0' file, '1' hard link, '2' symlink, '3' char device, '4' block device... */
  type: string;
  linkTarget: string;
}

function text(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? length : end).toString('utf8');
}

/** A numeric header field: octal text, or GNU's base-256 for large values. */
function numeric(block: Buffer, start: number, length: number): number {
  const field = block.subarray(start, start + length);
  if (field[0]! & 0x80) {
    let n = field[0]! & 0x7f;
    for (let i = 1; i < length; i++) n = n * 256 + field[i]!;
    return n;
  }
  const digits = text(block, start, length).trim();
  return digits ? parseInt(digits, 8) : 0;
}

/** pax extended header records (`LEN key=value\n`), the ones that rename a member. */
function paxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = Number(data.subarray(at, space).toString());
    if (space < 0 || !Number.isInteger(length) || length <= 0) break;
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return records;
}

/**
 * The members of a plain tar stream (ustar, GNU long names, pax paths), in order. Throws when
 * the stream is not a tar archive.
 */
export async function readTarMembers(stream: Readable): Promise<TarMember[]> {
  const members: TarMember[] = [];
  let pending: Buffer = Buffer.alloc(0);
  /** Bytes of member data still to skip (or to keep, for long names and pax headers). */
  let dataLeft = 0;
  // Assigned in header(): declared wide so the loop below does not narrow it to null.
  let keep = null as { type: string; size: number; chunks: Buffer[] } | null;
  let next: { path?: string; linkTarget?: string } = {};
  let ended = false;

  const header = (block: Buffer): void => {
    if (block.every((b) => b === 0)) {
      ended = true;
      return;
    }
    if (block.subarray(257, 262).toString() !== 'ustar')
      throw new Error('not a tar archive (no ustar header)');
    const type = text(block, 156, 1) || '0';
    const size = numeric(block, 124, 12);
    const prefix = text(block, 345, 155);
    const name = text(block, 0, 100);
    dataLeft = Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L' || type === 'K' || type === 'x') {
      keep = { type, size, chunks: [] };
      return;
    }
    if (type === 'g') return;
    members.push({
      path: next.path ?? (prefix ? `${prefix}/${name}` : name),
      type,
      linkTarget: next.linkTarget ?? text(block, 157, 100),
    });
    next = {};
  };

  const finishKept = (): void => {
    if (!keep) return;
    // The member's data is `size` bytes; the rest pads its last block.
    const data = Buffer.concat(keep.chunks).subarray(0, keep.size);
    if (keep.type === 'L') next.path = text(data, 0, data.length);
    else if (keep.type === 'K') next.linkTarget = text(data, 0, data.length);
    else {
      const pax = paxRecords(data);
      if (pax.has('path')) next.path = pax.get('path');
      if (pax.has('linkpath')) next.linkTarget = pax.get('linkpath');
    }
    keep = null;
  };

  for await (const chunk of stream) {
    pending = pending.length ? Buffer.concat([pending, chunk as Buffer]) : (chunk as Buffer);
    while (!ended) {
      if (dataLeft > 0) {
        const take = Math.min(dataLeft, pending.length);
        if (take === 0) break;
        keep?.chunks.push(pending.subarray(0, take));
        pending = pending.subarray(take);
        dataLeft -= take;
        if (dataLeft === 0) finishKept();
        continue;
      }
      if (pending.length < BLOCK) break;
      header(pending.subarray(0, BLOCK));
      pending = pending.subarray(BLOCK);
    }
    if (ended) break;
  }
  if (!ended && (dataLeft > 0 || pending.length > 0)) throw new Error('the archive is truncated');
  return members;
}

/** A member's path as its components, without `.` and empty ones. */
export function components(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

/** Why `member` would land outside the VM's root or make a device there, or undefined. */
export function unsafeMember(member: TarMember, symlinks: ReadonlySet<string>): string | undefined {
  if (member.path.startsWith('/')) return 'an absolute path';
  const parts = components(member.path);
  if (parts.includes('..')) return "a '..' component";
  for (let i = 1; i < parts.length; i++)
    if (symlinks.has(parts.slice(0, i).join('/')))
      return `under ${parts.slice(0, i).join('/')}, a symbolic link of the archive`;
  if ((member.type === '3' || member.type === '4') && parts[0] !== 'dev')
    return 'a device file outside /dev';
  if (member.type === '1') {
    const target = member.linkTarget;
    if (target.startsWith('/') || components(target).includes('..'))
      return `a hard link to ${member.linkTarget}, outside the root`;
  }
  return undefined;
}

/** The decompressed tar stream of an appliance's archive. */
function tarStream(file: string, format: ContentFormat): { stream: Readable; done: Promise<void> } {
  if (format === 'tar') return { stream: createReadStream(file), done: Promise.resolve() };
  if (format === 'tar_gz')
    return { stream: createReadStream(file).pipe(createGunzip()), done: Promise.resolve() };
  // Node has no bzip2: the local bzip2 decompresses, its failure is the archive's.
  const child = spawn('bzip2', ['-dc', '--', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 || code === null
        ? resolve()
        : reject(new Error(stderr.trim() || `bzip2 exit ${code}`)),
    );
  });
  return { stream: child.stdout, done };
}

/**
 * Refuses (InvalidInputError) a root tarball with a member that an unpack as root would write
 * outside the target folder (an absolute path, a `..` component, a path through one of its own
 * symbolic links, a hard link out), or a device file outside /dev. Returns its member count.
 */
export async function checkRootTarball(file: string, format: ContentFormat): Promise<number> {
  const { stream, done } = tarStream(file, format);
  let members: TarMember[];
  try {
    [members] = await Promise.all([readTarMembers(stream), done]);
  } catch (err) {
    stream.destroy();
    throw new InvalidInputError(
      'appliance',
      `${basename(file)} cannot be read as a ${format.replace('_', '.')} archive: ${(err as Error).message}.`,
    );
  }
  const symlinks = new Set<string>();
  const refused: string[] = [];
  for (const member of members) {
    const why = unsafeMember(member, symlinks);
    if (why) refused.push(`${member.path} (${why})`);
    if (member.type === '2') symlinks.add(components(member.path).join('/'));
  }
  if (refused.length)
    throw new InvalidInputError(
      'appliance',
      `${basename(file)} is refused: ${refused.length} member(s) would be unpacked outside the VM's root or make a device there: ${refused.slice(0, NAMED).join(', ')}${refused.length > NAMED ? ', ...' : ''}. Nothing was run on the host.`,
    );
  return members.length;
}
