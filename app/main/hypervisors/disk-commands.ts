// Making a VM's disk file on a host, written once for every caller (appliance and template
// provisioning, clones): the disk wanted, as a spec, becomes the argument lists that make it with
// the tools the host has. libvirt hosts have qemu-img; a Xen dom0 has only cp and truncate, so it
// makes raw files and nothing else.
import { validateHostPath } from '../../shared/validation/names.js';

export type DiskSpec =
  /** A qcow2 overlay on `base`: nothing is copied, whatever the base's size. */
  | { kind: 'overlay'; path: string; base: string; baseFormat: string; sizeMiB?: string }
  /** A raw copy of the raw image `source` (sparse where the tools can), grown to `sizeMiB`. */
  | { kind: 'copy'; path: string; source: string; sizeMiB?: string }
  /** A full, standalone qcow2 copy of `source` in whatever format it is. */
  | { kind: 'convert'; path: string; source: string }
  /** An empty disk of `sizeMiB`, in `format`. */
  | { kind: 'empty'; path: string; format: 'raw' | 'qcow2'; sizeMiB: string };

export type DiskTools = 'qemu-img' | 'coreutils';

/** The commands (argument lists, no sudo prefix) that make the disk `spec` with `tools`. */
export function diskCommands(spec: DiskSpec, tools: DiskTools): string[][] {
  const path = validateHostPath(spec.path);
  const size = (mib: string) => `${mib}M`;
  switch (spec.kind) {
    case 'overlay':
      requireQemuImg(tools, 'a qcow2 overlay');
      return [
        [
          'qemu-img',
          'create',
          '-q',
          '-f',
          'qcow2',
          '-b',
          spec.base,
          '-F',
          spec.baseFormat,
          path,
          ...(spec.sizeMiB ? [size(spec.sizeMiB)] : []),
        ],
      ];
    case 'convert':
      requireQemuImg(tools, 'a qcow2 copy');
      return [['qemu-img', 'convert', '-q', '-O', 'qcow2', spec.source, path]];
    case 'copy':
      // busybox's cp has no --sparse; a raw file grows with truncate as well as with qemu-img.
      if (tools === 'coreutils')
        return [
          ['cp', '--', spec.source, path],
          ...(spec.sizeMiB ? [['truncate', '-s', size(spec.sizeMiB), path]] : []),
        ];
      return [
        ['cp', '--sparse=always', '--', spec.source, path],
        ...(spec.sizeMiB
          ? [['qemu-img', 'resize', '-q', '-f', 'raw', path, size(spec.sizeMiB)]]
          : []),
      ];
    case 'empty':
      if (spec.format === 'raw') return [['truncate', '-s', size(spec.sizeMiB), path]];
      requireQemuImg(tools, 'an empty qcow2 disk');
      return [['qemu-img', 'create', '-q', '-f', 'qcow2', path, size(spec.sizeMiB)]];
  }
}

function requireQemuImg(tools: DiskTools, what: string): void {
  if (tools !== 'qemu-img')
    throw new Error(`Making ${what} needs qemu-img, which this host lacks.`);
}
