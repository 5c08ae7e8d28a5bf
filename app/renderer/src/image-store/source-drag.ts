// Dragging what a VM is provisioned from (an appliance card, a template row) onto a host of the
// fleet tree: the host tells during the drag whether it takes it; the drop opens the dialog there.
import type { DragEvent } from 'react';
import { useViewStore, type ProvisionRequest } from '../store/view-store.js';
import type { ProvisionSource } from './provision-form.js';

/** The drag data type of each kind of source (the data is its name). */
const DRAG_TYPES: Record<ProvisionSource['kind'], string> = {
  appliance: 'application/x-convirt-appliance',
  template: 'application/x-convirt-template',
};

/** Makes an element a draggable source. */
export function sourceDragProps(source: ProvisionSource) {
  return {
    draggable: true,
    onDragStart: (e: DragEvent) => {
      e.dataTransfer.setData(DRAG_TYPES[source.kind], source.name);
      e.dataTransfer.setData('text/plain', source.name);
      e.dataTransfer.effectAllowed = 'copy';
      useViewStore.getState().setDraggedSource(source);
    },
    onDragEnd: () => useViewStore.getState().setDraggedSource(null),
  };
}

/** Whether a drag carries a source (its data can be read only on drop). */
export function isSourceDrag(e: DragEvent): boolean {
  return Object.values(DRAG_TYPES).some((type) => e.dataTransfer.types.includes(type));
}

/** The dialog's starting point for a source dropped on `host`; null when the drop has none. */
export function droppedSource(e: DragEvent, host: string): ProvisionRequest | null {
  const template = e.dataTransfer.getData(DRAG_TYPES.template);
  if (template) return { appliance: null, host, template };
  const appliance = e.dataTransfer.getData(DRAG_TYPES.appliance);
  return appliance ? { appliance, host } : null;
}
