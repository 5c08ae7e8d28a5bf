// New VMs: from an appliance of the image store, or from a template or ISO registered by URL.
import { cloudInitRequest } from '../../../shared/validation/cloud-init.js';
import { InvalidInputError } from '../../../shared/validation/names.js';
import { applianceInfo } from '../../image-store/appliance-info.js';
import { requireTemplateUsable, templateParams } from '../../provisioning/template-provisioning.js';
import type { ApiContext, Slice } from './context.js';

export function provisioningApi(
  ctx: ApiContext,
): Slice<
  | 'listAppliances'
  | 'fetchApplianceImages'
  | 'applianceImageStatus'
  | 'provisionVm'
  | 'provisionFromTemplate'
> {
  const { fleet, templates, checks, outcomes } = ctx;
  const { store, service } = ctx.options.provisioning;
  return {
    listAppliances: () => {
      const defaultName = store.defaultName();
      return store.list().map((a) => applianceInfo(a, a.name === defaultName));
    },
    fetchApplianceImages: async (host, appliance) => {
      if (ctx.options.oneShot) await fleet.connections.get(host);
      return outcomes.track(service.fetchImages(host, appliance));
    },
    applianceImageStatus: (host, appliance) => service.imageStatus(host, appliance),
    provisionVm: (host, appliance, name, params, options) => {
      checks.requireFreeVmName(host, name);
      // Every parameter is checked here, before the task starts or anything runs on the host.
      const started = service.provision({
        host,
        appliance,
        name,
        params,
        start: options.start === true,
        ...(options.cloudInit ? { cloudInit: cloudInitRequest(options.cloudInit) } : {}),
      });
      return outcomes.track(started, host);
    },
    provisionFromTemplate: async (host, template, name, params, options) => {
      checks.requireFreeVmName(host, name);
      // The task's own checks first (template, hypervisor, values), so a bad request says what
      // is wrong with it rather than that the host is down.
      const target = fleet.host(host);
      const chosen = templates.get(template);
      requireTemplateUsable(
        chosen,
        target,
        target.groupId ? ctx.inventory.groups.ancestry(target.groupId) : [],
      );
      templateParams(chosen, target, params);
      // A one-shot client's hosts are connected on demand; the UI's are kept up by polling.
      if (ctx.options.oneShot) await fleet.connections.get(host);
      if (!fleet.connections.isConnected(host)) {
        throw new InvalidInputError(
          'host',
          `${host} is not connected: it downloads the template itself, so it must be up. Try again once the fleet tree shows it connected.`,
        );
      }
      const started = service.provision({
        host,
        template,
        name,
        params,
        start: options.start === true,
      });
      // The pool's copy stays even when the VM fails: the templates' pools may have changed.
      const templatesChanged = () => ctx.broadcast('templatesChanged', undefined);
      void started.result.then(templatesChanged, templatesChanged);
      return outcomes.track(started, host);
    },
  };
}
