// Migration: the checks, and the move as a task (app/main/migration/).
import { MigrationService } from '../../migration/migration-service.js';
import type { ApiContext, Slice } from './context.js';

export function migrationApi({
  fleet,
  inventory,
  checks,
}: ApiContext): Slice<'checkMigration' | 'migrateVm' | 'evacuateHost'> {
  const migration = new MigrationService({ fleet, inventory });
  return {
    checkMigration: (ref, request) => migration.check(ref, request),
    migrateVm: async (ref, request) => {
      await checks.requireExistingVms([ref]);
      const started = await migration.migrate(ref, request);
      // The target is polled too when the task ends (MigrationService.migrate).
      return checks.repollAfter(ref.host, started);
    },
    evacuateHost: async (host) =>
      (await migration.evacuate(host)).map((started) => checks.repollAfter(host, started)),
  };
}
