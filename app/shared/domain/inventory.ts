// What the inventory holds, as the UI, the command line and main all see it.
import type { Hypervisor } from './host.js';

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

/** A server pool; pools nest. */
export interface Group {
  id: number;
  name: string;
  parentId: number | null;
  createdAt: string;
}

/** `interrupted`: the ConVirt process that ran it stopped (killed, crashed) before it ended. */
export const TASK_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'interrupted',
] as const;
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

export const LOG_STREAMS = ['info', 'stdout', 'stderr', 'command'] as const;
export type LogStream = (typeof LOG_STREAMS)[number];

export interface TaskLogEntry {
  /** 1, 2, 3... within the task. */
  seq: number;
  at: string;
  stream: LogStream;
  text: string;
}
