// What the inventory stores, as the rest of main sees it: camelCase, timestamps as ISO-8601 UTC.
import type { Hypervisor } from '../../shared/domain/host.js';
import type { AuthMethod, TaskStatus } from '../../shared/domain/inventory.js';

export {
  AUTH_METHODS,
  LOG_STREAMS,
  TASK_STATUSES,
  type AuthMethod,
  type FinalTaskStatus,
  type Group,
  type Host,
  type LogStream,
  type Task,
  type TaskLogEntry,
  type TaskStatus,
} from '../../shared/domain/inventory.js';

export interface HostInput {
  name: string;
  address: string;
  /** Default 22. */
  port?: number;
  username: string;
  hypervisor: Hypervisor;
  libvirtUri?: string | null;
  groupId?: number | null;
  /** Default false. */
  useSudo?: boolean;
  identityFile?: string | null;
  /** Default 'agent'. */
  authMethod?: AuthMethod;
  hostKeyFingerprint?: string | null;
}

/** Fields to change; undefined leaves a field as it is, null clears it. */
export type HostPatch = Partial<HostInput>;

export interface HostListFilter {
  /** Only hosts in this group; null means hosts in no group. */
  groupId?: number | null;
  /** With groupId: also hosts in its subgroups, at any depth. */
  includeSubgroups?: boolean;
}

export const TAG_TARGET_KINDS = ['host', 'vm'] as const;
export type TagTargetKind = (typeof TAG_TARGET_KINDS)[number];

/** What a tag is on: a host (`id` = host name) or a VM (`id` = 'host/vm'). */
export interface TagTarget {
  kind: TagTargetKind;
  id: string;
}

export interface TaskListFilter {
  /** Default 100. */
  limit?: number;
  status?: TaskStatus;
  target?: string;
}

export interface TaskLogQuery {
  /** Only entries after this seq, to follow a running task. */
  afterSeq?: number;
  limit?: number;
}

export const AUDIT_OUTCOMES = ['ok', 'failed', 'refused'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  /** What was done, e.g. 'host.add', 'vm.destroy'. */
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  detail: JsonValue | null;
}

export interface AuditInput {
  action: string;
  target?: string | null;
  outcome: AuditOutcome;
  /** Anything JSON can hold; never put a secret here. */
  detail?: unknown;
  /** Default: the inventory's actor (the OS user). */
  actor?: string;
}

export interface AuditListFilter {
  /** Default 100. */
  limit?: number;
  target?: string;
}
