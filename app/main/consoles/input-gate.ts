// `virsh console` throws away what is typed before it has attached to the domain (it prints its
// "Escape character is ^]" banner, then switches its terminal to raw mode). The gate holds the
// client's keystrokes until the banner has gone by, then lets everything through in order.
import type { Hypervisor } from '../../shared/domain/host.js';
import { CONSOLE_READY } from '../hypervisors/kvm/virsh.js';

/** Output examined for the banner before the gate gives up waiting and opens anyway. */
const BANNER_SEARCH_LIMIT = 4096;

export class InputGate {
  private seen = '';
  private held: Uint8Array[] = [];
  private open: boolean;

  constructor(
    private readonly write: (data: Uint8Array) => void,
    /** The banner to wait for; none: open at once. */
    private readonly ready?: RegExp,
  ) {
    this.open = ready === undefined;
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Feed every chunk of the console's output here. */
  output(data: Uint8Array): void {
    if (this.open) return;
    this.seen += new TextDecoder().decode(data);
    if (this.ready!.test(this.seen) || this.seen.length > BANNER_SEARCH_LIMIT) {
      this.open = true;
      this.seen = '';
      for (const chunk of this.held.splice(0)) this.write(chunk);
    }
  }

  input(data: Uint8Array): void {
    if (this.open) this.write(data);
    else this.held.push(data);
  }
}

/** The banner a host's serial console prints once it is attached: virsh has one, xl none. */
export function serialConsoleBanner(hypervisor: Hypervisor): RegExp | undefined {
  return hypervisor === 'kvm' ? CONSOLE_READY : undefined;
}
