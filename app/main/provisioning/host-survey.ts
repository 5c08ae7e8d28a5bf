// One read-only command before a provisioning touches anything: the host's bridges, whether it
// can run hardware-accelerated guests, the free space where images and disks go, and which of
// the files the task would use already exist.
import type { RemoteShell } from '../ssh/ssh-connection.js';

const SCRIPT = `
cache=$1; disks=$2; shift 2
printf bridges
for b in /sys/class/net/*/bridge; do
  [ -d "$b" ] || continue
  n=\${b%/bridge}; printf ' %s' "\${n##*/}"
done
echo
# /dev/kvm alone is not enough: without the CPU flags KVM guests fail to start.
if [ -c /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then echo 'virt kvm'; else echo 'virt qemu'; fi
for d in "$cache" "$disks"; do
  e=$d
  while [ ! -d "$e" ]; do e=$(dirname "$e"); done
  printf 'df %s %s\\n' "$(df -Pk "$e" | awk 'NR == 2 { print $4, $6 }')" "$d"
done
for f in "$@"; do
  [ -e "$f" ] && printf 'exists %s %s\\n' "$(stat -c %s "$f")" "$f"
done
exit 0`;

export interface HostSurvey {
  bridges: string[];
  /** libvirt's domain type: `kvm` with hardware virtualization, else `qemu` (emulation). */
  virtType: 'kvm' | 'qemu';
  /** Free bytes and mount point, by folder asked about (df reports KiB). */
  free: Map<string, { bytes: number; mount: string }>;
  /** Size of each asked-about file that exists. */
  existing: Map<string, number>;
}

export async function surveyHost(
  shell: RemoteShell,
  prefix: readonly string[],
  dirs: { imageCache: string; disks: string },
  files: string[],
): Promise<HostSurvey> {
  const out = await shell.run([
    ...prefix,
    'sh',
    '-c',
    SCRIPT,
    'sh',
    dirs.imageCache,
    dirs.disks,
    ...files,
  ]);
  const survey: HostSurvey = {
    bridges: [],
    virtType: 'qemu',
    free: new Map(),
    existing: new Map(),
  };
  for (const line of out.split('\n')) {
    const [kind, ...rest] = line.split(' ');
    if (kind === 'bridges') survey.bridges = rest.filter(Boolean);
    else if (kind === 'virt') survey.virtType = rest[0] === 'kvm' ? 'kvm' : 'qemu';
    else if (kind === 'df') {
      const [kib, mount, ...path] = rest;
      survey.free.set(path.join(' '), { bytes: Number(kib) * 1024, mount: mount ?? '' });
    } else if (kind === 'exists') {
      const [size, ...path] = rest;
      survey.existing.set(path.join(' '), Number(size));
    }
  }
  return survey;
}
