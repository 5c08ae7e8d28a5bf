// What the harness page and the test share: the page's bindings, bytes as base64.
export interface HarnessEvent {
  consoleId: string;
  data?: string;
  reason?: string | null;
}

declare global {
  interface Window {
    /** A ConvirtClient method call, answered by the test's ConsoleManager. */
    harnessCall(method: string, args: unknown[]): Promise<unknown>;
    /** A contract event, dispatched by the test. */
    harnessEmit(event: 'consoleData' | 'consoleClosed', payload: HarnessEvent): void;
  }
}
