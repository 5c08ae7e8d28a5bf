// ISO uploads to a host's ISO folder, under a per-host quota so uploads cannot fill its disk
// (DTC's lesson). The quota counts every file already in the folder, unfinished .part files too.
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename } from 'node:path';
import { InvalidInputError, validateHostPath } from '../../shared/validation/names.js';
import type { HostIsos } from '../../shared/contract/convirt-contract.js';
import type { RemoteShell } from '../ssh/ssh-connection.js';
import type { TaskContext } from '../tasks/task-runner.js';
import type { ChecksumCache } from './checksums.js';
import { uploadFile } from './file-upload.js';

export interface IsoSettings {
  dir: string;
  quotaMiB: number;
}

export const DEFAULT_ISO_SETTINGS: IsoSettings = {
  dir: '/var/lib/libvirt/images/iso',
  quotaMiB: 10 * 1024,
};

const ISO_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,200}\.iso$/i;
const MiB = 1024 * 1024;

/** Per-host ISO folder and quota, kept in a small JSON file of the data folder. */
export class IsoSettingsFile {
  constructor(private readonly file: string) {}

  private all(): Record<string, Partial<IsoSettings>> {
    return existsSync(this.file)
      ? (JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, Partial<IsoSettings>>)
      : {};
  }

  get(host: string): IsoSettings {
    return { ...DEFAULT_ISO_SETTINGS, ...this.all()[host] };
  }

  set(host: string, settings: Partial<IsoSettings>): IsoSettings {
    if (settings.dir !== undefined) validateHostPath(settings.dir);
    if (
      settings.quotaMiB !== undefined &&
      !(Number.isInteger(settings.quotaMiB) && settings.quotaMiB > 0)
    )
      throw new InvalidInputError('quota', 'The ISO quota must be a positive whole number of MiB.');
    const all = this.all();
    all[host] = { ...all[host], ...settings };
    writeFileSync(this.file, JSON.stringify(all, null, 2), { mode: 0o600 });
    return this.get(host);
  }
}

/** Checks the local file before anything runs on the host. */
export function checkIsoFile(localPath: string): { name: string; size: number } {
  const name = basename(localPath);
  if (!ISO_NAME.test(name))
    throw new InvalidInputError(
      'iso',
      `${JSON.stringify(name)} is not an ISO file name (letters, digits, '.', '_', '+', '-', ending in .iso).`,
    );
  if (!existsSync(localPath) || !statSync(localPath).isFile())
    throw new InvalidInputError('iso', `No file at ${localPath}.`);
  return { name, size: statSync(localPath).size };
}

/** ISO 9660's volume descriptors start at sector 16 (byte 32768): type byte, then `CD001`. */
const ISO9660_MAGIC = { offset: 32769, text: 'CD001' };

/**
 * Checks that the local file is an ISO 9660 image (hybrid images too), not merely named like
 * one: what the UI's clients may upload, so no other file of this machine can be sent to a host.
 */
export function checkIsoImage(localPath: string): { name: string; size: number } {
  const checked = checkIsoFile(localPath);
  const magic = Buffer.alloc(ISO9660_MAGIC.text.length);
  const fd = openSync(localPath, 'r');
  try {
    readSync(fd, magic, 0, magic.length, ISO9660_MAGIC.offset);
  } finally {
    closeSync(fd);
  }
  if (magic.toString('latin1') !== ISO9660_MAGIC.text)
    throw new InvalidInputError('iso', `${localPath} is not an ISO 9660 image.`);
  return checked;
}

export class IsoQuotaError extends InvalidInputError {
  constructor(message: string) {
    super('quota', message);
    this.name = 'IsoQuotaError';
  }
}

/** The files of the host's ISO folder: each one's size and name (none when it does not exist). */
async function isoFolderFiles(
  shell: RemoteShell,
  dir: string,
  prefix: readonly string[],
): Promise<Array<{ name: string; sizeBytes: number }>> {
  const out = await shell.run([
    ...prefix,
    'sh',
    '-c',
    '[ -d "$1" ] || exit 0; find "$1" -maxdepth 1 -type f -printf "%s %f\\n"',
    'sh',
    dir,
  ]);
  return out
    .split('\n')
    .map((line) => /^(\d+) (.+)$/.exec(line))
    .filter((m) => m !== null)
    .map((m) => ({ name: m[2]!, sizeBytes: Number(m[1]) }));
}

/** Bytes used by the files in `dir` on the host (0 when it does not exist yet). */
export async function isoFolderUsage(
  shell: RemoteShell,
  dir: string,
  prefix: readonly string[] = [],
): Promise<number> {
  return (await isoFolderFiles(shell, dir, prefix)).reduce((sum, f) => sum + f.sizeBytes, 0);
}

/**
 * The ISOs uploaded to the host (complete files named like ISOs; unfinished `.part` files count
 * towards the quota only) and how much of the quota the folder uses.
 */
export async function listHostIsos(
  shell: RemoteShell,
  settings: IsoSettings,
  prefix: readonly string[] = [],
): Promise<HostIsos> {
  const dir = validateHostPath(settings.dir);
  const files = await isoFolderFiles(shell, dir, prefix);
  return {
    ...settings,
    usedBytes: files.reduce((sum, f) => sum + f.sizeBytes, 0),
    isos: files
      .filter((f) => ISO_NAME.test(f.name))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((f) => ({ ...f, path: `${dir}/${f.name}` })),
  };
}

/**
 * Uploads an ISO into the host's ISO folder unless that would exceed the quota; returns its path
 * on the host. Resumable and checksum-verified like every image transfer.
 */
export async function uploadIso(
  ctx: TaskContext,
  shell: RemoteShell,
  localPath: string,
  settings: IsoSettings,
  checksums: ChecksumCache,
  prefix: readonly string[] = [],
): Promise<string> {
  const { name, size } = checkIsoFile(localPath);
  const dir = validateHostPath(settings.dir);
  const target = `${dir}/${name}`;
  const used = await isoFolderUsage(shell, dir, prefix);
  const partSize = (
    await shell.exec([...prefix, 'stat', '-c', '%s', '--', `${target}.part`])
  ).stdout.trim();
  const already = Number(partSize) || 0;
  if (used - already + size > settings.quotaMiB * MiB)
    throw new IsoQuotaError(
      `Uploading ${name} (${Math.ceil(size / MiB)} MiB) would exceed the ISO quota of ${settings.quotaMiB} MiB on this host: ${Math.ceil(used / MiB)} MiB already used in ${dir}.`,
    );
  ctx.progress(0, `Checksumming ${name}`);
  const sha256 = await checksums.sha256(localPath);
  await shell.run([...prefix, 'mkdir', '-p', '--', dir]);
  const r = await uploadFile(shell, localPath, target, {
    size,
    sha256,
    prefix,
    signal: ctx.signal,
    onProgress: (sent, total) => ctx.progress(sent / total, `Uploading ${name}`),
  });
  if (r.resumedFrom) ctx.log(`Resumed from byte ${r.resumedFrom}.`);
  ctx.progress(1, 'Done');
  return target;
}
