// The whole contract for one client: every area's part, composed. The compiler checks that the
// parts together implement every method of the contract.
import { appApi } from './app.js';
import { consolesApi } from './consoles.js';
import type { ApiContext, Implementation } from './context.js';
import { hostsApi } from './hosts.js';
import { imageListsApi } from './image-lists.js';
import { isosApi } from './isos.js';
import { migrationApi } from './migration.js';
import { provisioningApi } from './provisioning.js';
import { secretsApi } from './secrets.js';
import { tasksApi } from './tasks.js';
import { templatesApi } from './templates.js';
import { vmsApi } from './vms.js';

export function implementation(ctx: ApiContext): Implementation {
  return {
    ...appApi(ctx),
    ...hostsApi(ctx),
    ...vmsApi(ctx),
    ...migrationApi(ctx),
    ...consolesApi(ctx),
    ...provisioningApi(ctx),
    ...isosApi(ctx),
    ...templatesApi(ctx),
    ...imageListsApi(ctx),
    ...tasksApi(ctx),
    ...secretsApi(ctx),
  };
}
