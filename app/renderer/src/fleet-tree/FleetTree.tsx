// The fleet tree: data center > server pools > hosts > VMs, with search, a state filter, drag a
// host onto a pool to move it (or press M on a host), drop an appliance of the image store or a
// template by URL onto a host to provision a VM there, drag a VM onto another host to migrate it,
// and the arrow keys of a WAI-ARIA tree.
import { useEffect, useMemo, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { useClient } from '../client-context.js';
import { errorMessage } from '../common/errors.js';
import { StateBadge } from '../common/StateBadge.js';
import { useVirtualRows } from '../common/use-virtual-rows.js';
import { hostRefusal } from '../image-store/provision-form.js';
import {
  droppedSource,
  droppedVm,
  isSourceDrag,
  sourceDragProps,
  type DraggedItem,
} from '../image-store/source-drag.js';
import { MigrateDialog } from '../migration/MigrateDialog.js';
import { vmDropVerdict } from '../migration/migrate-form.js';
import { useFleetStore } from '../store/fleet-store.js';
import { useViewStore, type Screen } from '../store/view-store.js';
import { MoveHostDialog } from './MoveHostDialog.js';
import { NewPoolDialog } from './NewPoolDialog.js';
import {
  buildTreeRows,
  DATACENTER_ID,
  hostRowId,
  runningCount,
  vmRowId,
  type TreeFilter,
  type TreeRow,
} from './tree-rows.js';
import { vmKey } from '../store/vm-key.js';
import type { HostView } from '../../../shared/contract/convirt-contract.js';

const ROW_HEIGHT = 30;
const HOST_DRAG_TYPE = 'application/x-convirt-host';
/** How long the reason a host refused an appliance stays on screen after the drag. */
const REFUSAL_SHOWN_MS = 8000;

function rowLabel(row: TreeRow): string {
  switch (row.kind) {
    case 'datacenter':
      return `Data center, ${row.upCount} of ${row.hostCount} hosts up`;
    case 'pool':
      return `${row.name}, ${row.upCount} of ${row.hostCount} hosts up`;
    case 'host':
      return `${row.host.name}, ${row.host.status}, ${runningCount(row.vms)} of ${row.vmCount} VMs running`;
    case 'vm':
      return `${row.vm.name}, ${row.vm.state}`;
  }
}

function screenFor(row: TreeRow): Screen {
  if (row.kind === 'host') return { kind: 'host', host: row.host.name };
  if (row.kind === 'vm') return { kind: 'vm', host: row.vm.host, vm: row.vm.name };
  return { kind: 'dashboard' };
}

function selectedRowId(screen: Screen): string {
  if (screen.kind === 'host') return hostRowId(screen.host);
  if (screen.kind === 'vm') return vmRowId(vmKey(screen.host, screen.vm));
  return DATACENTER_ID;
}

const expandable = (row: TreeRow) => row.kind !== 'vm';

/** What a host does with what is dragged onto it: take it, ignore it, or refuse it and say why. */
function hostVerdict(
  dragged: DraggedItem,
  host: HostView,
  hosts: Record<string, HostView>,
): 'ignore' | 'accept' | { refusal: string } {
  if (dragged.kind === 'vm') return vmDropVerdict(dragged, host, hosts[dragged.host]?.hypervisor);
  const refusal = hostRefusal(dragged, host);
  return refusal ? { refusal } : 'accept';
}

export function FleetTree() {
  const client = useClient();
  const groups = useFleetStore((s) => s.groups);
  const hosts = useFleetStore((s) => s.hosts);
  const hostNames = useFleetStore((s) => s.hostNames);
  const vmsByHost = useFleetStore((s) => s.vmsByHost);
  const vmKeysByHost = useFleetStore((s) => s.vmKeysByHost);
  const notify = useFleetStore((s) => s.notify);
  const screen = useViewStore((s) => s.screen);
  const show = useViewStore((s) => s.show);

  const [query, setQuery] = useState('');
  const [filter, setFilter] = useState<TreeFilter>('all');
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const [focusedId, setFocusedId] = useState<string>(DATACENTER_ID);
  const [moving, setMoving] = useState<string | null>(null);
  const [newPool, setNewPool] = useState(false);
  const [migrating, setMigrating] = useState<{ host: string; vm: string; target: string } | null>(
    null,
  );
  const [dropTarget, setDropTarget] = useState<string | null>(null);
  const [dropRefusal, setDropRefusal] = useState<string | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const openProvision = useViewStore((s) => s.openProvision);

  // A VM shown (after it moved too) has its host opened, so its row shows.
  useEffect(
    () =>
      useViewStore.subscribe(({ screen: shown }, prev) => {
        if (shown === prev.screen || shown.kind !== 'vm') return;
        const id = hostRowId(shown.host);
        setExpanded((set) => (set.has(id) ? set : new Set(set).add(id)));
      }),
    [],
  );

  useEffect(() => {
    if (!dropRefusal) return;
    const timer = setTimeout(() => setDropRefusal(null), REFUSAL_SHOWN_MS);
    return () => clearTimeout(timer);
  }, [dropRefusal]);

  const rows = useMemo(
    () =>
      buildTreeRows({
        groups,
        hosts,
        hostNames,
        vmsByHost,
        vmKeysByHost,
        expanded,
        collapsed,
        query,
        filter,
      }),
    [groups, hosts, hostNames, vmsByHost, vmKeysByHost, expanded, collapsed, query, filter],
  );
  const { first, last, totalHeight, scrollToRow } = useVirtualRows(
    scroller,
    rows.length,
    ROW_HEIGHT,
  );
  const selectedId = selectedRowId(screen);
  const focusedIndex = Math.max(
    0,
    rows.findIndex((r) => r.id === focusedId),
  );

  const setOpen = (row: TreeRow, open: boolean) => {
    // Data center and pools start open (remember closing them); hosts start closed.
    const startsOpen = row.kind === 'datacenter' || row.kind === 'pool';
    const update = (set: ReadonlySet<string>, add: boolean) => {
      const next = new Set(set);
      if (add) next.add(row.id);
      else next.delete(row.id);
      return next;
    };
    if (startsOpen) setCollapsed((s) => update(s, !open));
    else setExpanded((s) => update(s, open));
  };

  const focusRow = (index: number) => {
    const row = rows[Math.max(0, Math.min(rows.length - 1, index))];
    if (!row) return;
    setFocusedId(row.id);
    scrollToRow(rows.indexOf(row));
    const find = () =>
      scroller.current?.querySelector<HTMLElement>(`[data-row-id="${CSS.escape(row.id)}"]`);
    // A row scrolled into view is rendered on the next frame; focus it then.
    const element = find();
    if (element) element.focus();
    else requestAnimationFrame(() => find()?.focus());
  };

  const onKeyDown = (e: KeyboardEvent, row: TreeRow, index: number) => {
    const open = 'expanded' in row && row.expanded;
    let handled = true;
    switch (e.key) {
      case 'ArrowDown':
        focusRow(index + 1);
        break;
      case 'ArrowUp':
        focusRow(index - 1);
        break;
      case 'Home':
        focusRow(0);
        break;
      case 'End':
        focusRow(rows.length - 1);
        break;
      case 'ArrowRight':
        if (expandable(row) && !open) setOpen(row, true);
        else if (open) focusRow(index + 1);
        break;
      case 'ArrowLeft':
        if (expandable(row) && open) setOpen(row, false);
        else if (row.parentId) focusRow(rows.findIndex((r) => r.id === row.parentId));
        break;
      case 'Enter':
      case ' ':
        show(screenFor(row));
        break;
      case 'm':
      case 'M':
        if (row.kind === 'host') setMoving(row.host.name);
        else handled = false;
        break;
      default:
        handled = false;
    }
    if (handled) e.preventDefault();
  };

  const dropProps = (row: TreeRow) => {
    if (row.kind === 'host') return sourceDropProps(row);
    if (row.kind !== 'pool' && row.kind !== 'datacenter') return {};
    const groupId = row.kind === 'pool' ? row.groupId : null;
    return {
      onDragOver: (e: DragEvent) => {
        if (!e.dataTransfer.types.includes(HOST_DRAG_TYPE)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'move';
        setDropTarget(row.id);
      },
      onDragLeave: () => setDropTarget((t) => (t === row.id ? null : t)),
      onDrop: (e: DragEvent) => {
        e.preventDefault();
        setDropTarget(null);
        const host = e.dataTransfer.getData(HOST_DRAG_TYPE);
        if (!host) return;
        client
          .moveHost(host, groupId)
          .catch((err: unknown) => notify('error', `Could not move ${host}: ${errorMessage(err)}`));
      },
    };
  };

  /**
   * A host takes an appliance or template its hypervisor runs, or a VM of another host of its
   * hypervisor; otherwise the tree says why. A VM dropped on its own host does nothing.
   */
  const sourceDropProps = (row: Extract<TreeRow, { kind: 'host' }>) => ({
    onDragOver: (e: DragEvent) => {
      if (!isSourceDrag(e)) return;
      const dragged = useViewStore.getState().draggedSource;
      const verdict = dragged ? hostVerdict(dragged, row.host, hosts) : 'accept';
      if (verdict === 'ignore') {
        setDropTarget((t) => (t === row.id ? null : t));
        setDropRefusal(null);
        return;
      }
      setDropTarget(row.id);
      setDropRefusal(verdict === 'accept' ? null : verdict.refusal);
      if (verdict !== 'accept') {
        e.dataTransfer.dropEffect = 'none';
        return;
      }
      e.preventDefault();
      e.dataTransfer.dropEffect = dragged?.kind === 'vm' ? 'move' : 'copy';
    },
    onDragLeave: () => setDropTarget((t) => (t === row.id ? null : t)),
    onDrop: (e: DragEvent) => {
      e.preventDefault();
      setDropTarget(null);
      const vm = droppedVm(e);
      if (vm) {
        if (vm.host !== row.host.name) setMigrating({ ...vm, target: row.host.name });
        return;
      }
      const request = droppedSource(e, row.host.name);
      if (request) openProvision(request);
    },
  });

  return (
    <div className="fleet-tree">
      <div className="tree-toolbar">
        <input
          type="search"
          aria-label="Search hosts, VMs and tags"
          placeholder="Search hosts, VMs, tags"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <select
          aria-label="Show"
          value={filter}
          onChange={(e) => setFilter(e.target.value as TreeFilter)}
        >
          <option value="all">Everything</option>
          <option value="running">Running VMs</option>
          <option value="stopped">Stopped VMs</option>
          <option value="unreachable">Unreachable hosts</option>
        </select>
        <button type="button" onClick={() => setNewPool(true)}>
          New pool
        </button>
      </div>
      {dropRefusal ? (
        <p role="status" className="drop-refusal">
          {dropRefusal}
        </p>
      ) : null}
      <div className="tree-scroll" ref={scroller}>
        <div role="tree" aria-label="Fleet" style={{ height: totalHeight, position: 'relative' }}>
          {rows.slice(first, last).map((row, i) => {
            const index = first + i;
            const isExpandable = expandable(row);
            return (
              <div
                key={row.id}
                data-row-id={row.id}
                role="treeitem"
                aria-label={rowLabel(row)}
                aria-level={row.level}
                aria-posinset={row.posInSet}
                aria-setsize={row.setSize}
                aria-expanded={isExpandable && 'expanded' in row ? row.expanded : undefined}
                aria-selected={row.id === selectedId}
                tabIndex={index === focusedIndex ? 0 : -1}
                className={`tree-row kind-${row.kind}${dropTarget === row.id ? (dropRefusal ? ' drop-refused' : ' drop-target') : ''}`}
                style={{ top: index * ROW_HEIGHT, paddingLeft: (row.level - 1) * 16 + 4 }}
                onClick={() => {
                  setFocusedId(row.id);
                  show(screenFor(row));
                }}
                onKeyDown={(e) => onKeyDown(e, row, index)}
                onFocus={() => setFocusedId(row.id)}
                draggable={row.kind === 'host'}
                onDragStart={
                  row.kind === 'host'
                    ? (e) => {
                        e.dataTransfer.setData(HOST_DRAG_TYPE, row.host.name);
                        e.dataTransfer.effectAllowed = 'move';
                      }
                    : undefined
                }
                {...(row.kind === 'vm'
                  ? sourceDragProps({ kind: 'vm', host: row.vm.host, vm: row.vm.name })
                  : {})}
                {...dropProps(row)}
              >
                {isExpandable && 'expanded' in row ? (
                  <span
                    className="twisty"
                    aria-hidden="true"
                    onClick={(e) => {
                      e.stopPropagation();
                      setOpen(row, !row.expanded);
                    }}
                  >
                    {row.expanded ? '▾' : '▸'}
                  </span>
                ) : (
                  <span className="twisty" aria-hidden="true" />
                )}
                <TreeRowContent row={row} />
              </div>
            );
          })}
        </div>
      </div>
      {moving ? <MoveHostDialog host={moving} onClose={() => setMoving(null)} /> : null}
      {newPool ? <NewPoolDialog onClose={() => setNewPool(false)} /> : null}
      {migrating ? <MigrateDialog {...migrating} onClose={() => setMigrating(null)} /> : null}
    </div>
  );
}

function Tags({ tags }: { tags: string[] }) {
  return tags.length ? (
    <span className="tags">
      {tags.map((t) => (
        <span key={t} className="tag">
          {t}
        </span>
      ))}
    </span>
  ) : null;
}

function TreeRowContent({ row }: { row: TreeRow }) {
  switch (row.kind) {
    case 'datacenter':
    case 'pool':
      return (
        <>
          <span className="row-name">{row.kind === 'pool' ? row.name : 'Data center'}</span>
          <span className="count">
            {row.upCount}/{row.hostCount}
          </span>
        </>
      );
    case 'host':
      return (
        <>
          <span className={`dot host-${row.host.status}`} aria-hidden="true" />
          <span className="row-name">{row.host.name}</span>
          <Tags tags={row.host.tags} />
          <span className="count">
            {runningCount(row.vms)}/{row.vmCount}
          </span>
        </>
      );
    case 'vm':
      return (
        <>
          <span className="row-name">{row.vm.name}</span>
          <Tags tags={row.vm.tags} />
          <StateBadge state={row.vm.state} />
        </>
      );
  }
}
