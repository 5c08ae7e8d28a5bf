// An OVA (OVF 1.x package: a tar of the .ovf descriptor and the files it references) on a host,
// turned there into the qcow2 disk a template's VMs use: the archive's members are listed and
// checked before anything is unpacked (plain files only, inside the folder), the descriptor read,
// only its first disk unpacked into a work folder beside the copy, checked to be self-contained
// (no backing file, no extent elsewhere), and converted by qemu-img. Every command is an argument
// list; the archive's bytes stay on the host.
import { XMLParser } from 'fast-xml-parser';
import { components, unsafeMember, type TarMember } from '../provisioning/tarball-check.js';
import type { RemoteShell } from '../ssh/ssh-connection.js';

/** The disk formats an OVF may hold that qemu-img reads, by the ovf:format URI's mention. */
const DISK_FORMATS = ['vmdk', 'qcow2', 'vhd', 'vdi'] as const;
/** How many offending members a refusal names. */
const NAMED = 5;

/** `tar --list --verbose --numeric-owner --full-time`'s type letters, as tar header flags. */
const TYPE_FLAGS: Record<string, string> = { '-': '0', h: '1', l: '2', c: '3', b: '4', d: '5' };
/** `-rw-r--r-- 0/0   138752 2026-12-05 16:06:33 NAME` (devices show `MAJOR,MINOR` as size). */
const LISTING_LINE = /^(.)\S{9} +\d+\/\d+ +\S+ +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (.*)$/;

export class OvaRefusedError extends Error {
  constructor(ova: string, why: string) {
    super(`The OVA ${ova} is refused: ${why}`);
    this.name = 'OvaRefusedError';
  }
}

/**
 * The members of a GNU tar verbose listing. A link's name is followed by ` -> TARGET` or
 * ` link to TARGET`; such members are refused anyway, so its name is kept whole.
 */
export function parseTarListing(listing: string): TarMember[] {
  return listing
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const m = LISTING_LINE.exec(line);
      if (!m) throw new Error(`unexpected tar listing line ${JSON.stringify(line)}`);
      return { path: m[2]!, type: TYPE_FLAGS[m[1]!] ?? m[1]!, linkTarget: '' };
    });
}

/** Why the archive's members cannot be unpacked as an OVA, or undefined. */
export function refusedMembers(members: readonly TarMember[]): string | undefined {
  const refused = members.flatMap((m) => {
    const why =
      unsafeMember(m, new Set()) ??
      (m.type === '0' || m.type === '5' ? undefined : 'not a plain file');
    return why ? [`${m.path} (${why})`] : [];
  });
  if (refused.length === 0) return undefined;
  const named = refused.slice(0, NAMED).join(', ');
  return `${refused.length} member(s) are not plain files inside the package: ${named}${refused.length > NAMED ? ', ...' : ''}.`;
}

export interface OvfDisk {
  /** The member holding the disk, as the descriptor names it. */
  href: string;
  format: (typeof DISK_FORMATS)[number];
}

type Attributes = Record<string, unknown>;
/** An attribute's text; anything else (absent, an element) is empty. */
const attribute = (node: Attributes | undefined, name: string): string => {
  const v = node?.[`@${name}`];
  return typeof v === 'string' ? v : '';
};
const asList = (v: unknown): Attributes[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]) as Attributes[];

/** The first disk of an OVF descriptor: its file and format. Throws when there is none usable. */
export function firstOvfDisk(ovf: string): OvfDisk {
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    removeNSPrefix: true,
    parseTagValue: false,
    processEntities: false,
  }).parse(ovf) as { Envelope?: Attributes };
  const envelope = doc.Envelope;
  if (!envelope) throw new Error('its descriptor is not an OVF envelope');
  const files = asList((envelope.References as Attributes | undefined)?.File);
  const disks = asList((envelope.DiskSection as Attributes | undefined)?.Disk);
  const disk = disks[0];
  if (!disk) throw new Error('its descriptor lists no disk');
  const file = files.find((f) => attribute(f, 'id') === attribute(disk, 'fileRef'));
  const href = attribute(file, 'href');
  if (!href) throw new Error('its first disk names no file of the package');
  const compression = attribute(file, 'compression');
  if (compression) throw new Error(`its disk ${href} is compressed (${compression})`);
  const uri = attribute(disk, 'format').toLowerCase();
  const format = DISK_FORMATS.find((f) => uri.includes(f));
  if (!format) throw new Error(`its disk ${href} has a format qemu-img is not given (${uri})`);
  return { href, format };
}

interface QemuImgInfo {
  'backing-filename'?: string;
  'format-specific'?: { data?: { extents?: { filename: string }[] } };
}

/**
 * Converts the first disk of the OVA at `ova` on the host into the qcow2 `dest`; the OVA and the
 * work folder are removed afterwards, whatever happens. Refuses (OvaRefusedError) a package with
 * a member that is not a plain file inside it, and a disk that reads another file.
 */
export async function convertOvaOnHost(
  shell: RemoteShell,
  ova: string,
  dest: string,
  log: (line: string) => void = () => {},
): Promise<void> {
  const work = `${dest}.unpack`;
  try {
    const listing = await shell.run([
      'env',
      'LC_ALL=C',
      'tar',
      '--list',
      '--verbose',
      '--numeric-owner',
      '--full-time',
      '--quoting-style=escape',
      '--file',
      ova,
    ]);
    let members: TarMember[];
    try {
      members = parseTarListing(listing);
    } catch (err) {
      throw new OvaRefusedError(ova, (err as Error).message);
    }
    const refused = refusedMembers(members);
    if (refused) throw new OvaRefusedError(ova, refused);
    const names = members.filter((m) => m.type === '0').map((m) => components(m.path).join('/'));
    const descriptor = names.find((n) => n.toLowerCase().endsWith('.ovf'));
    if (!descriptor) throw new OvaRefusedError(ova, 'it holds no .ovf descriptor.');
    const ovf = await shell.run(tarExtract(ova, ['--to-stdout', '--', descriptor]));
    let disk: OvfDisk;
    try {
      disk = firstOvfDisk(ovf);
    } catch (err) {
      throw new OvaRefusedError(ova, `${(err as Error).message}.`);
    }
    const member = components(disk.href).join('/');
    if (!names.includes(member))
      throw new OvaRefusedError(ova, `its disk ${disk.href} is not a file of the package.`);
    log(`Unpacking ${member} (${disk.format}) from ${ova} and converting it to qcow2.`);
    await shell.run(['rm', '-rf', '--', work]);
    await shell.run(['mkdir', '--', work]);
    await shell.run(
      tarExtract(ova, [
        '--directory',
        work,
        '--no-same-owner',
        '--no-same-permissions',
        '--',
        member,
      ]),
    );
    const source = `${work}/${member}`;
    const info = JSON.parse(
      await shell.run(['qemu-img', 'info', '--output=json', '-f', disk.format, source]),
    ) as QemuImgInfo;
    const elsewhere = (info['format-specific']?.data?.extents ?? [])
      .map((e) => e.filename)
      .filter((f) => f !== source);
    if (info['backing-filename'] !== undefined || elsewhere.length)
      throw new OvaRefusedError(
        ova,
        `its disk ${member} reads other files (${[info['backing-filename'], ...elsewhere].filter(Boolean).join(', ')}).`,
      );
    await shell.run([
      'qemu-img',
      'convert',
      '-f',
      disk.format,
      '-O',
      'qcow2',
      source,
      `${dest}.part`,
    ]);
    await shell.run(['mv', '-f', '--', `${dest}.part`, dest]);
    log(`Converted ${member} to ${dest}.`);
  } catch (err) {
    await shell.exec(['rm', '-f', '--', `${dest}.part`]).catch(() => undefined);
    throw err;
  } finally {
    await shell.exec(['rm', '-rf', '--', work, ova]).catch(() => undefined);
  }
}

/** `tar --extract` of named members only, never as patterns. */
function tarExtract(ova: string, rest: string[]): string[] {
  return ['tar', '--extract', '--file', ova, '--no-wildcards', ...rest];
}
