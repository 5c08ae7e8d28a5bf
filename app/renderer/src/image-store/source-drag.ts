// Dragging onto a host of the fleet tree: what a VM is provisioned from (an appliance card, a
// template row), or a VM of the tree itself to migrate it. The host tells during the drag whether
// it takes it; the drop opens the provisioning or the Migrate dialog there.
import type { DragEvent } from 'react';
import type { DraggedVm } from '../migration/migrate-form.js';
import { useViewStore, type DraggedItem, type ProvisionRequest } from '../store/view-store.js';
import { splitVmKey, vmKey } from '../store/vm-key.js';

export type { DraggedItem } from '../store/view-store.js';

/** The drag data type of each kind (the data is its name; a VM's is `HOST/VM`). */
const DRAG_TYPES: Record<DraggedItem['kind'], string> = {
  appliance: 'application/x-convirt-appliance',
  template: 'application/x-convirt-template',
  vm: 'application/x-convirt-vm',
};

const dragData = (item: DraggedItem) =>
  item.kind === 'vm' ? vmKey(item.host, item.vm) : item.name;

/** Makes an element a draggable source. */
export function sourceDragProps(item: DraggedItem) {
  return {
    draggable: true,
    onDragStart: (e: DragEvent) => {
      e.dataTransfer.setData(DRAG_TYPES[item.kind], dragData(item));
      e.dataTransfer.setData('text/plain', dragData(item));
      e.dataTransfer.effectAllowed = item.kind === 'vm' ? 'move' : 'copy';
      useViewStore.getState().setDraggedSource(item);
    },
    onDragEnd: () => useViewStore.getState().setDraggedSource(null),
  };
}

/** Whether a drag carries a source (its data can be read only on drop). */
export function isSourceDrag(e: DragEvent): boolean {
  return Object.values(DRAG_TYPES).some((type) => e.dataTransfer.types.includes(type));
}

/** The provisioning dialog's starting point for a source dropped on `host`; null when none. */
export function droppedSource(e: DragEvent, host: string): ProvisionRequest | null {
  const template = e.dataTransfer.getData(DRAG_TYPES.template);
  if (template) return { appliance: null, host, template };
  const appliance = e.dataTransfer.getData(DRAG_TYPES.appliance);
  return appliance ? { appliance, host } : null;
}

/** The VM a drop carries, or null when it carries none. */
export function droppedVm(e: DragEvent): DraggedVm | null {
  const key = e.dataTransfer.getData(DRAG_TYPES.vm);
  return key.includes('/') ? { kind: 'vm', ...splitVmKey(key) } : null;
}
