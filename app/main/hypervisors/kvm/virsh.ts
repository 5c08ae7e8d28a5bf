// libvirt driven through `virsh` on the host, over the host's one SSH connection.
import type { ClientChannel } from 'ssh2';
import type { VmState } from '../../../shared/domain/vm.js';
import { validateVmName } from '../../../shared/validation/names.js';
import type { RemoteShell } from '../../ssh/ssh-connection.js';

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

export class Virsh {
  constructor(
    private readonly ssh: RemoteShell,
    readonly uri = 'qemu:///system',
  ) {}

  private argv(...args: string[]): string[] {
    return ['virsh', '-q', '-c', this.uri, ...args];
  }

  private run(...args: string[]): Promise<string> {
    return this.ssh.run(this.argv(...args));
  }

  /** Defines (or redefines) a domain from its XML, sent on standard input. */
  async define(xml: string): Promise<void> {
    await this.ssh.run(this.argv('define', '/dev/stdin'), { stdin: xml });
  }

  async start(name: string): Promise<void> {
    await this.run('start', validateVmName(name));
  }

  async destroy(name: string): Promise<void> {
    await this.run('destroy', validateVmName(name));
  }

  async undefine(name: string): Promise<void> {
    await this.run('undefine', validateVmName(name));
  }

  async state(name: string): Promise<VmState> {
    return parseVirshState(await this.run('domstate', validateVmName(name)));
  }

  async exists(name: string): Promise<boolean> {
    const result = await this.ssh.exec(this.argv('domid', validateVmName(name)));
    return result.code === 0;
  }

  /**
   * Sends one command to the domain's QEMU guest agent and returns its `return` value.
   * Fails when the agent is not connected or does not answer within `timeoutSeconds`.
   */
  async agentCommand(
    name: string,
    execute: string,
    args?: Record<string, unknown>,
    timeoutSeconds = 5,
  ): Promise<unknown> {
    const request = JSON.stringify(args ? { execute, arguments: args } : { execute });
    const out = await this.run(
      'qemu-agent-command',
      validateVmName(name),
      request,
      '--timeout',
      String(timeoutSeconds),
    );
    return (JSON.parse(out) as { return: unknown }).return;
  }

  /**
   * The domain's serial console on a pseudo-terminal; `--force` takes over a stale session.
   * virsh discards what is typed before it has attached (it flushes the terminal when it switches
   * to raw mode), so input should wait for CONSOLE_READY in the output. Not quiet (`-q`), so that
   * banner is printed.
   */
  openConsole(name: string, size?: { cols: number; rows: number }): Promise<ClientChannel> {
    return this.ssh.openPty(
      ['virsh', '-c', this.uri, 'console', validateVmName(name), '--force'],
      size,
    );
  }
}
