// VMs' disks on LVM logical volumes (DTC-Xen's `lvm` case of dtc_setup_vps_disk), the same on a
// Xen dom0 and a KVM host: the names ConVirt gives volumes, the argument lists that make and
// remove them, the survey of a volume group before anything is made, and the removal of a deleted
// VM's disks. ConVirt tags each volume it makes with the VM's name (LVM keeps tags in the volume
// group's metadata, on the host): a VM's delete removes a block device only when it is a volume
// tagged for that VM, never another block device (a partition, a volume made by hand); a failed
// provisioning's undo removes only a volume tagged for its task.
import { InvalidInputError, validateVmName } from '../../shared/validation/names.js';
import { LVM_NAME } from '../../shared/validation/provision-params.js';
/** Substrings LVM keeps for its own hidden volumes. */
const RESERVED_IN_LV =
  /_(cdata|cmeta|corig|iorig|imeta|mimage|mlog|pmspare|rimage|rmeta|tdata|tmeta|vdata|vorigin)/;

/** A volume group's name, checked as LVM checks it; the error names `field`. */
export function validateVolumeGroup(name: string, field = 'lvm_volume_group'): string {
  if (!LVM_NAME.test(name) || name === '.' || name === '..')
    throw new InvalidInputError(
      field,
      `${field}: invalid volume group name ${JSON.stringify(name)}: use 1 to 127 letters, digits, '+', '_', '.' or '-', not starting with '-'.`,
    );
  return name;
}

/** The logical volume of a VM's disk `dev`: `VM-DEV`, as the disk files are named. */
export function logicalVolumeName(vmName: string, dev: string): string {
  const name = `${validateVmName(vmName)}-${dev}`;
  if (!/^[a-z]+$/.test(dev) || !LVM_NAME.test(name) || RESERVED_IN_LV.test(name))
    throw new InvalidInputError(
      'name',
      `${name} cannot name a logical volume (LVM reserves names with ${RESERVED_IN_LV.source.slice(2, -1).replace(/\|/g, ', _')}).`,
    );
  return name;
}

/** Where the host shows a logical volume. */
export function logicalVolumePath(volumeGroup: string, lv: string): string {
  return `/dev/${validateVolumeGroup(volumeGroup)}/${lv}`;
}

/** Whether `path` is a logical volume's /dev/VG/LV path (not a partition or a file). */
export function isLogicalVolumePath(path: string): boolean {
  const parts = path.split('/');
  return (
    parts.length === 4 &&
    parts[0] === '' &&
    parts[1] === 'dev' &&
    LVM_NAME.test(parts[2]!) &&
    LVM_NAME.test(parts[3]!)
  );
}

/** The tag ConVirt puts on the volumes it makes for `vmName` (LVM allows '.' in tags). */
export function convirtVolumeTag(vmName: string): string {
  return `convirt.${validateVmName(vmName)}`;
}

/**
 * The tag of the volumes one task makes (besides the VM's): its undo removes only a volume with
 * it, never one of the same name that someone else made meanwhile.
 */
export function convirtTaskTag(taskId: string): string {
  const short = taskId.replace(/[^A-Za-z0-9]/g, '').slice(0, 12);
  if (!short) throw new Error(`Task id ${JSON.stringify(taskId)} cannot tag a logical volume.`);
  return `convirt.task.${short}`;
}

/**
 * Makes a logical volume of `sizeMiB` for `vmName` (rounded up to the group's extents), tagged
 * with the VM and with `taskTag`.
 */
export function lvCreateArgv(
  volumeGroup: string,
  lv: string,
  sizeMiB: string,
  vmName: string,
  taskTag: string,
): string[] {
  if (!/^[1-9]\d*$/.test(sizeMiB)) throw new Error(`Invalid volume size ${sizeMiB} MiB.`);
  return [
    'lvcreate',
    '-q',
    // Wipes old signatures found on the new volume's extents without asking.
    '-y',
    '-L',
    `${sizeMiB}m`,
    '-n',
    lv,
    '--addtag',
    convirtVolumeTag(vmName),
    '--addtag',
    taskTag,
    validateVolumeGroup(volumeGroup),
  ];
}

/**
 * `has_tag TAGS TAG`: whether lvs's lv_tags field (TAGS, comma-separated) holds TAG exactly.
 * Shared by the scripts that remove only the volumes ConVirt tagged.
 */
const HAS_TAG_FUNCTION = `has_tag() { printf '%s\\n' "$1" | tr ', ' '\\n\\n' | grep -qxF -- "$2"; }`;

/**
 * Undoes a task's lvcreate of $1: removes the volume only when it carries the task's tag ($2).
 * No volume (lvcreate never ran, or failed) is nothing to undo; one without the tag was made by
 * someone else and is kept; any other lvs error fails with lvs's message.
 */
export const LV_UNDO_SCRIPT = `${HAS_TAG_FUNCTION}
if ! tags=$(lvs --noheadings -o lv_tags -- "$1" 2>&1); then
  case $tags in
    *'Failed to find logical volume'*|*'Volume group'*'not found'*) exit 0 ;;
  esac
  printf '%s\\n' "$tags" >&2
  exit 1
fi
has_tag "$tags" "$2" || { echo "kept $1: not made by this task"; exit 0; }
exec lvremove -q -f -- "$1"`;

/** Removes the logical volume at `path` if this task (`taskTag`) made it (LV_UNDO_SCRIPT). */
export function lvRemoveArgv(path: string, taskTag: string): string[] {
  if (!isLogicalVolumePath(path)) throw new Error(`${path} is not a logical volume's path.`);
  return ['sh', '-c', LV_UNDO_SCRIPT, 'sh', path, taskTag];
}

/**
 * One read-only command: whether the volume group ($1) exists, its free bytes, and which of the
 * logical volumes after it exist. `vgs` failing (no such group, no LVM tools) says why.
 */
export const VG_SURVEY_SCRIPT = `
vg=$1; shift
command -v vgs >/dev/null 2>&1 || { echo 'no-lvm'; exit 0; }
free=$(vgs --noheadings --nosuffix --units b -o vg_free -- "$vg" 2>/dev/null) || { echo 'no-vg'; exit 0; }
echo "free $free"
for lv in "$@"; do
  lvs "$vg/$lv" >/dev/null 2>&1 && echo "exists $lv"
done
exit 0`;

export type VolumeGroupSurvey =
  { kind: 'no-lvm' } | { kind: 'no-vg' } | { kind: 'vg'; freeBytes: number; existing: Set<string> };

export function vgSurveyArgv(volumeGroup: string, lvs: readonly string[]): string[] {
  return ['sh', '-c', VG_SURVEY_SCRIPT, 'sh', validateVolumeGroup(volumeGroup), ...lvs];
}

export function parseVgSurvey(out: string): VolumeGroupSurvey {
  const lines = out.split('\n').map((l) => l.trim());
  if (lines.includes('no-lvm')) return { kind: 'no-lvm' };
  if (lines.includes('no-vg')) return { kind: 'no-vg' };
  const free = lines.find((l) => l.startsWith('free '));
  if (!free) throw new Error(`Unexpected volume group survey: ${out.trim()}`);
  return {
    kind: 'vg',
    freeBytes: Number(free.slice('free '.length).trim()),
    existing: new Set(lines.filter((l) => l.startsWith('exists ')).map((l) => l.slice(7))),
  };
}

/**
 * Removes a deleted VM's disks ($2...): regular files, and the logical volumes tagged for this
 * VM ($1, the tag); any other block device (a partition, a volume ConVirt did not make for it) is
 * kept, as is a path that is neither.
 */
export const REMOVE_DISKS_SCRIPT = `${HAS_TAG_FUNCTION}
tag=$1; shift
for f in "$@"; do
  if [ -f "$f" ]; then
    rm -f -- "$f" && echo "removed $f"
  elif [ -b "$f" ] && has_tag "$(lvs --noheadings -o lv_tags -- "$f" 2>/dev/null)" "$tag"; then
    lvremove -q -f -- "$f" >&2 && echo "removed $f"
  else
    echo "kept $f"
  fi
done
exit 0`;

/** The argv of REMOVE_DISKS_SCRIPT for `vmName`'s `paths`. */
export function removeDisksArgv(vmName: string, paths: readonly string[]): string[] {
  return ['sh', '-c', REMOVE_DISKS_SCRIPT, 'sh', convirtVolumeTag(vmName), ...paths];
}

/** Splits REMOVE_DISKS_SCRIPT's output into what was removed and what was kept. */
export function parseRemovedDisks(out: string): { removed: string[]; kept: string[] } {
  const removed: string[] = [];
  const kept: string[] = [];
  for (const line of out.split('\n')) {
    if (line.startsWith('removed ')) removed.push(line.slice('removed '.length));
    else if (line.startsWith('kept ')) kept.push(line.slice('kept '.length));
  }
  return { removed, kept };
}
