// A VM saved to a file: its memory and device state written by `virsh save` / `xl save` into
// convirt.conf's snapshots_dir on its host, one file per VM, brought back by restore. The checks
// and file handling are the same for every hypervisor; only the save and restore commands differ.
import {
  InvalidInputError,
  validateHostPath,
  validateVmName,
} from '../../shared/validation/names.js';
import { DEFAULT_SNAPSHOTS_DIR } from '../config/defaults.js';
import type { RemoteShell } from '../ssh/ssh-connection.js';

/**
 * Makes the folder ($1) when missing, mode 0700 (a saved state holds the guest's memory), and
 * refuses a file ($2) already there: it may be the only copy of a VM saved earlier.
 */
const PREPARE_SAVE_SCRIPT = `
mkdir -p -m 0700 -- "$1" || exit 1
if [ -e "$2" ]; then echo exists; fi
exit 0
`;

/** The save and restore commands of one hypervisor, as argument lists (sudo prefix included). */
export interface SaveCommands {
  save(name: string, file: string): string[];
  restore(file: string): string[];
}

/** A VM's saved-state file in `snapshotsDir` on its host. */
export class SavedStates {
  readonly dir: string;

  constructor(
    private readonly shell: RemoteShell,
    /** `sudo -n` for non-root logins, else nothing. */
    private readonly prefix: readonly string[],
    private readonly commands: SaveCommands,
    snapshotsDir: string = DEFAULT_SNAPSHOTS_DIR,
  ) {
    this.dir = validateHostPath(snapshotsDir).replace(/(.)\/$/, '$1');
  }

  /** The file VM `name` is saved to. */
  file(name: string): string {
    return `${this.dir}/${validateVmName(name)}.save`;
  }

  /** The VM's saved-state file, or null when it has none. */
  async existing(name: string): Promise<string | null> {
    const file = this.file(name);
    return (await this.shell.exec([...this.prefix, 'test', '-f', file])).code === 0 ? file : null;
  }

  /** Saves the running (or paused) VM to its file; the VM stops. Returns the file. */
  async save(name: string): Promise<string> {
    const file = this.file(name);
    const out = await this.shell.run([
      ...this.prefix,
      'sh',
      '-c',
      PREPARE_SAVE_SCRIPT,
      'sh',
      this.dir,
      file,
    ]);
    if (out.trim() === 'exists')
      throw new InvalidInputError(
        'vm',
        `${name} already has a saved state (${file}): restore it first, or remove the file.`,
      );
    await this.shell.run(this.commands.save(name, file));
    return file;
  }

  /**
   * Brings the VM back from its file, then removes the file: its memory belongs to disks the
   * VM has since changed, so restoring it a second time would corrupt them. Returns the file.
   */
  async restore(name: string): Promise<string> {
    const file = await this.existing(name);
    if (file === null)
      throw new InvalidInputError('vm', `${name} has no saved state (no ${this.file(name)}).`);
    await this.shell.run(this.commands.restore(file));
    await this.shell.run([...this.prefix, 'rm', '-f', '--', file]);
    return file;
  }
}
