// Templates and ISOs registered by URL, and the certificates the hosts' downloads trust. Whether
// a call needs the secret store unlocked first is decided in ../secret-store-rules.ts.
import { sharedTemplatePool } from '../../provisioning/template-pools.js';
import type { ApiContext, Slice } from './context.js';
import { templateView, urlCheckView } from '../template-views.js';

export function templatesApi(
  ctx: ApiContext,
): Slice<
  | 'listTemplates'
  | 'registerTemplate'
  | 'checkTemplateUrl'
  | 'deployTemplate'
  | 'removeTemplate'
  | 'listCertificates'
  | 'addCertificate'
  | 'removeCertificate'
> {
  const { fleet, inventory, templates, outcomes } = ctx;
  const templatesChanged = () => ctx.broadcast('templatesChanged', undefined);
  return {
    listTemplates: () => templates.list().map(templateView),
    registerTemplate: (request) => {
      const started = templates.registerAsTask(fleet.tasks, request);
      void started.result.then(templatesChanged, () => {
        // The task's failure is in its record and log.
      });
      return outcomes.track(started);
    },
    checkTemplateUrl: async (url, headers, hypervisor) =>
      urlCheckView(await templates.checkUrl(url, headers, hypervisor)),
    deployTemplate: (template, host, poolDir, sharedPool) => {
      const pool = sharedTemplatePool(inventory, fleet.host(host), poolDir, sharedPool);
      const started = templates.deployAsTask(fleet.tasks, {
        template,
        pool: pool.pool,
        poolDir,
        hosts: pool.hosts,
      });
      void started.result.then(templatesChanged, () => {
        // The task's failure is in its record and log.
      });
      return outcomes.track(started);
    },
    removeTemplate: (name) => {
      const removed = templates.remove(name);
      templatesChanged();
      return removed;
    },
    listCertificates: () => templates.listCertificates(),
    addCertificate: async (upload) => {
      const added = await templates.addCertificate(upload);
      templatesChanged();
      return added;
    },
    removeCertificate: async (name) => {
      const removed = await templates.removeCertificate(name);
      templatesChanged();
      return removed;
    },
  };
}
