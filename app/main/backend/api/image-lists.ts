// Subscriptions to signed image lists, and the template settings their rotation keeps.
import { imageView, subscriptionView } from '../image-list-views.js';
import { templateView } from '../template-views.js';
import type { RunningTask } from '../task-outcomes.js';
import type { ApiContext, Slice } from './context.js';

export function imageListsApi(
  ctx: ApiContext,
): Slice<
  | 'setTemplateSettings'
  | 'listImageLists'
  | 'showImageList'
  | 'subscribeImageList'
  | 'updateImageList'
  | 'unsubscribeImageList'
> {
  const { fleet, templates, outcomes } = ctx;
  const { imageLists, templateRecords } = ctx.options;
  const changed = () => {
    ctx.broadcast('imageListsChanged', undefined);
    ctx.broadcast('templatesChanged', undefined);
  };
  const afterTask = (started: RunningTask) => {
    // Refused or failed, the subscription's last error changed too.
    void started.result.then(changed, changed);
    return outcomes.track(started);
  };
  return {
    setTemplateSettings: (name, settings) => {
      templates.get(name);
      templateRecords.setSettings(name, {
        ...(settings.enabled !== undefined ? { enabled: settings.enabled } : {}),
        ...(settings.serverPools !== undefined ? { serverPools: settings.serverPools } : {}),
      });
      ctx.inventory.audit.record({
        action: 'template.settings',
        target: name,
        outcome: 'ok',
        detail: { ...settings },
      });
      changed();
      const t = templates.list().find((x) => x.name === name)!;
      return templateView(t);
    },
    listImageLists: () => imageLists.list().map(subscriptionView),
    showImageList: (name) => {
      const { subscription, images } = imageLists.show(name);
      return {
        subscription: subscriptionView(subscription),
        images: images.map((i) => imageView(i, templateRecords)),
      };
    },
    subscribeImageList: (request) => afterTask(imageLists.subscribeAsTask(fleet.tasks, request)),
    updateImageList: (name) => afterTask(imageLists.updateAsTask(fleet.tasks, name)),
    unsubscribeImageList: (name) => {
      const kept = imageLists.unsubscribe(name);
      changed();
      return kept;
    },
  };
}
