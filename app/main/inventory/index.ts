// The inventory: hosts, server pools, tags, tasks and the audit log, in one SQLite file in the
// data folder. Open it once per process; the repositories share its connection.
import { userInfo } from 'node:os';
import { AuditLog } from './audit.js';
import { systemClock, type Clock } from './clock.js';
import { databasePath, openDatabase, type Db } from './database.js';
import { GroupRepository } from './groups.js';
import { HostRepository } from './hosts.js';
import { TagRepository } from './tags.js';
import { currentProcessOwner, type TaskOwner } from './task-owner.js';
import { TaskRepository } from './tasks.js';

export interface InventoryOptions {
  /** The data folder, from resolveDataDir(); it must exist. */
  dataDir: string;
  /** Who audit records name by default; the OS user if not given. */
  actor?: string;
  clock?: Clock;
  /** The process that runs the tasks created here (tests play a process that died). */
  owner?: TaskOwner;
}

export class Inventory {
  readonly hosts: HostRepository;
  readonly groups: GroupRepository;
  readonly tags: TagRepository;
  readonly tasks: TaskRepository;
  readonly audit: AuditLog;
  /** How many tasks open() found unfinished from a process that is gone, marked interrupted. */
  readonly interruptedTasks: number;

  private constructor(
    readonly db: Db,
    readonly file: string,
    actor: string,
    clock: Clock,
    owner: TaskOwner,
  ) {
    this.hosts = new HostRepository(db, clock);
    this.groups = new GroupRepository(db, clock);
    this.tags = new TagRepository(db);
    this.tasks = new TaskRepository(db, clock, owner);
    this.audit = new AuditLog(db, actor, clock);
    this.interruptedTasks = this.tasks.markInterrupted();
  }

  /**
   * Opens `<dataDir>/convirt.db`, migrating it if needed, and marks interrupted the tasks a
   * process that is gone left unfinished (see `interruptedTasks`).
   */
  static open({
    dataDir,
    actor = defaultActor(),
    clock = systemClock,
    owner = currentProcessOwner,
  }: InventoryOptions): Inventory {
    const file = databasePath(dataDir);
    const db = openDatabase(file, { clock });
    try {
      return new Inventory(db, file, actor, clock, owner);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Runs `fn` in one transaction: all of its changes are kept, or none. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function defaultActor(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry for the uid (some containers).
    return process.env.USER ?? process.env.USERNAME ?? `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}

export { resolveDataDir, dataDirPath, type DataDirOptions } from './data-dir.js';
export {
  openDatabase,
  applyMigrations,
  schemaVersion,
  databasePath,
  DATABASE_FILE,
} from './database.js';
export type { Db, OpenDatabaseOptions, AppliedMigration } from './database.js';
export { MIGRATIONS, type Migration } from './migrations.js';
export { ConflictError, DatabaseTooNewError, NotFoundError } from './errors.js';
export { INTERRUPTED_ERROR, MAKING_ON_HOST, REMOVED_FROM_HOST } from './tasks.js';
export { currentProcessOwner, ownerId, type TaskOwner } from './task-owner.js';
export { validateHostName } from './validation.js';
export { systemClock, type Clock } from './clock.js';
export { AuditLog, GroupRepository, HostRepository, TagRepository, TaskRepository };
export * from './types.js';
