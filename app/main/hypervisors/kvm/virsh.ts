// What virsh prints, and what it means (the commands themselves are built in kvm-driver.ts).
import type { VmState } from '../../../shared/domain/vm.js';

const STATE_BY_VIRSH: Record<string, VmState> = {
  running: 'running',
  idle: 'running',
  blocked: 'running',
  'in shutdown': 'running',
  paused: 'paused',
  'shut off': 'shutoff',
  crashed: 'crashed',
  dying: 'shutoff',
  pmsuspended: 'pmsuspended',
};

export function parseVirshState(text: string): VmState {
  return STATE_BY_VIRSH[text.trim().toLowerCase()] ?? 'unknown';
}

/** What `virsh console` prints once it is attached and passing keystrokes on. */
export const CONSOLE_READY = /Escape character is/;
