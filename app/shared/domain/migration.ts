// Moving a VM from one host to another: what the operator asks for and what ConVirt checks first.

export const MIGRATION_MODES = ['live', 'offline'] as const;
/** live: the VM keeps running while it moves; offline: a shut-off VM's definition and disks move. */
export type MigrationMode = (typeof MIGRATION_MODES)[number];

export interface MigrationRequest {
  /** The host the VM goes to. */
  target: string;
  /** live for a running VM, offline for a shut-off one, when not given. */
  mode?: MigrationMode;
  /**
   * Copy the disks to the target. When not given: copied unless both hosts see them at the
   * same path (shared storage).
   */
  copyStorage?: boolean;
  /** Caps the live stream, in MiB/s. */
  bandwidthMiBs?: number;
  /**
   * The target's address as the source host reaches it, when it differs from the address
   * ConVirt connects to (for example a host ConVirt reaches through a tunnel).
   */
  targetAddress?: string;
}

/** One check made before anything moves. */
export interface MigrationCheck {
  /** A short name: hypervisor, hosts, name, state, networks, memory, cpu, storage, disk space, reach. */
  name: string;
  ok: boolean;
  /** What was found, in the operator's words; for a failed check, why it refuses. */
  detail: string;
}

/** What a migration would do, and whether it may: every check, passed or not. */
export interface MigrationPlan {
  source: string;
  target: string;
  vm: string;
  mode: MigrationMode;
  /** shared: both hosts see the disks; copy: they are copied to the target. */
  storage: 'shared' | 'copy';
  checks: MigrationCheck[];
  ok: boolean;
  /** How the two hosts are connected for it, and what (if anything) ConVirt set up for that. */
  connection: string;
}
