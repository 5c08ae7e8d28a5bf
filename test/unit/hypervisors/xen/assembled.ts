// Inputs assembled for the Xen tests where no real capture exists (see SOURCES.md).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const xenFixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '../../../fixtures/xen', name), 'utf8');

/**
 * No `xl list -l` capture could be found, so its input is ASSEMBLED: the `config` members are
 * libxl domain configurations from libvirt's test data, wrapped the way xl_info.c's
 * printf_info_one_json wraps them. Dom0 is cut down to its type and name (on a real host libxl
 * also reports its memory and vCPUs).
 */
export function assembledXlListLong(names: { pv?: string; hvm?: string } = {}): string {
  const pv = JSON.parse(xenFixture('libvirt-basic-pv.libxl-json')) as { c_info: { name: string } };
  const hvm = JSON.parse(xenFixture('libvirt-basic-hvm.libxl-json')) as {
    c_info: { name: string };
  };
  if (names.pv) pv.c_info.name = names.pv;
  if (names.hvm) hvm.c_info.name = names.hvm;
  const dom0 = { c_info: { type: 'pv', name: 'Domain-0' }, b_info: {} };
  return JSON.stringify(
    [
      { domid: 0, config: dom0 },
      { domid: 3, config: pv },
      { domid: 7, config: hvm },
    ],
    null,
    4,
  );
}
