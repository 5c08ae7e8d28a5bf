// What a provisioning task has made on the host, undone in reverse order when it fails.
export interface UndoStep {
  /** What is removed, for the task log: "domain web1", "file /var/lib/libvirt/images/web1-vda.qcow2". */
  what: string;
  run(): Promise<void>;
}

export class UndoList {
  private readonly steps: UndoStep[] = [];

  /** `note` hears of each step as it is added, before the thing is made. */
  constructor(private readonly note?: (what: string) => void) {}

  add(what: string, run: () => Promise<void>): void {
    this.note?.(what);
    this.steps.push({ what, run });
  }

  /** Runs every step, newest first, even when one fails; returns what was removed and what failed. */
  async undo(): Promise<{ removed: string[]; failed: string[] }> {
    const removed: string[] = [];
    const failed: string[] = [];
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.run();
        removed.push(step.what);
      } catch (err) {
        failed.push(`${step.what}: ${(err as Error).message}`);
      }
    }
    return { removed, failed };
  }
}
