// What the inventory stores, as the rest of main sees it: camelCase, timestamps as ISO-8601 UTC.
import type { Hypervisor } from '../../shared/domain/host.js';

export const AUTH_METHODS = ['agent', 'key', 'password'] as const;
/** How ConVirt authenticates; a password is asked for each time, never stored. */
export type AuthMethod = (typeof AUTH_METHODS)[number];

export interface Host {
  id: number;
  name: string;
  address: string;
  port: number;
  username: string;
  hypervisor: Hypervisor;
  /** KVM only; null means the driver's default. */
  libvirtUri: string | null;
  groupId: number | null;
  useSudo: boolean;
  identityFile: string | null;
  authMethod: AuthMethod;
  /** The host key fingerprint the operator confirmed (`SHA256:...`), null until then. */
  hostKeyFingerprint: string | null;
  createdAt: string;
  updatedAt: string;
}

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

/** A server pool; pools nest. */
export interface Group {
  id: number;
  name: string;
  parentId: number | null;
  createdAt: string;
}

export const TAG_TARGET_KINDS = ['host', 'vm'] as const;
export type TagTargetKind = (typeof TAG_TARGET_KINDS)[number];

/** What a tag is on: a host (`id` = host name) or a VM (`id` = 'host/vm'). */
export interface TagTarget {
  kind: TagTargetKind;
  id: string;
}

export const TASK_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export type FinalTaskStatus = Extract<TaskStatus, 'succeeded' | 'failed' | 'cancelled'>;

export interface Task {
  id: string;
  /** What it does, e.g. 'vm.start'. */
  kind: string;
  /** What it acts on, e.g. 'web1/db2'. */
  target: string;
  status: TaskStatus;
  /** 0 to 1; null when the task cannot tell. */
  progress: number | null;
  /** A short status line, e.g. 'copying disk'. */
  message: string | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

export interface TaskListFilter {
  /** Default 100. */
  limit?: number;
  status?: TaskStatus;
  target?: string;
}

export const LOG_STREAMS = ['info', 'stdout', 'stderr', 'command'] as const;
export type LogStream = (typeof LOG_STREAMS)[number];

export interface TaskLogEntry {
  /** 1, 2, 3... within the task. */
  seq: number;
  at: string;
  stream: LogStream;
  text: string;
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
