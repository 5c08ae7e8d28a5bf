/** The states ConVirt reports, whichever hypervisor a host runs. */
export const VM_STATES = [
  'running',
  'paused',
  'shutoff',
  'crashed',
  'pmsuspended',
  'unknown',
] as const;
export type VmState = (typeof VM_STATES)[number];
