// What ConVirt offers on libvirt hosts but not on Xen hosts driven by xl, and why, in words for
// the operator. Main refuses these operations with the reason; the UI shows it in their place.
export const XL_UNSUPPORTED = {
  snapshot:
    'Xen hosts driven by xl have no snapshots: xl can save a running domain to a file (xl save), but it cannot snapshot disks or revert to a snapshot.',
  guestAgent:
    'Guests started by xl have no QEMU guest agent channel (PV guests run no QEMU at all), so there is no guest agent to ask.',
  autostart:
    "xl keeps no autostart flag: on a Xen host, link the VM's config file into /etc/xen/auto, which the xendomains service starts at boot.",
  iso: 'PV guests have no CD-ROM drive, and ConVirt changes CD-ROM media only through libvirt.',
  clone:
    'ConVirt clones VMs through libvirt only: on a Xen host, copy the config file and the disks under a new name.',
  graphicalConsole:
    'Graphical consoles of Xen hosts (driven by xl) are not supported yet; the serial console is.',
} as const;

export type XlUnsupported = keyof typeof XL_UNSUPPORTED;
