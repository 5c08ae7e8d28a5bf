import type { KvmDriver } from '../hypervisors/kvm/kvm-driver.js';

/**
 * Resolves once the domain's guest agent answers `guest-ping`. libvirt reports the agent as
 * unavailable until qemu-ga opens its port, so the ping is retried until `timeoutMs`.
 */
export async function waitForGuestAgent(
  virsh: KvmDriver,
  name: string,
  timeoutMs: number,
  intervalMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      await virsh.agentCommand(name, 'guest-ping', undefined, 2);
      return;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `The guest agent of ${name} did not answer within ${timeoutMs / 1000} s: ${(lastError as Error)?.message ?? ''}`,
  );
}
