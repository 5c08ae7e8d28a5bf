// The VM grid: virtualized (thousands of rows cost what forty do), sortable by any column,
// filterable, multi-select with click, Ctrl/Shift-click, Space and Shift+arrows, and bulk Start,
// Shut down and Force off. Enter (or the name) opens a VM. Each row subscribes to its own VM and
// re-renders only when that VM, its selection or its place changes: scrolling mounts the rows
// coming into view, and a poll re-renders the rows whose VM changed.
import {
  memo,
  useId,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type MouseEvent,
} from 'react';
import type { FleetVm, VmAction } from '../../../shared/contract/convirt-contract.js';
import { useClient } from '../client-context.js';
import { errorMessage } from '../common/errors.js';
import { formatMiB, formatPercent } from '../common/format.js';
import { StateBadge } from '../common/StateBadge.js';
import { Toolbar } from '../common/Toolbar.js';
import { useVirtualRows } from '../common/use-virtual-rows.js';
import { useFleetStore } from '../store/fleet-store.js';
import { useViewStore } from '../store/view-store.js';
import { splitVmKey, vmOf, type VmKey } from '../store/vm-key.js';
import { gridRows, type GridColumn, type GridSort } from './vm-grid-rows.js';

const ROW_HEIGHT = 32;
/** The grid body is as tall as its rows up to this, or more when its screen has room for more. */
const BODY_MIN_HEIGHT = '60vh';
const COLUMN_TITLES: Record<GridColumn, string> = {
  name: 'Name',
  host: 'Host',
  state: 'State',
  vcpus: 'vCPUs',
  memory: 'Memory',
  cpu: 'CPU',
  tags: 'Tags',
};
const HOST_GRID_COLUMNS: readonly GridColumn[] = [
  'name',
  'state',
  'vcpus',
  'memory',
  'cpu',
  'tags',
];
const FLEET_GRID_COLUMNS: readonly GridColumn[] = ['name', 'host', ...HOST_GRID_COLUMNS.slice(1)];
/** Columns of free text, which clip (the others' short values fit their minimum width). */
const TEXT_COLUMNS: ReadonlySet<GridColumn> = new Set(['name', 'host', 'tags']);
const MIN_WIDTH: Partial<Record<GridColumn, string>> = { state: '7.5rem', memory: '6rem' };
const templateOf = (columns: readonly GridColumn[]) =>
  `2.5rem ${columns.map((c) => (TEXT_COLUMNS.has(c) ? 'minmax(8rem, 2fr)' : `minmax(${MIN_WIDTH[c] ?? '5rem'}, 1fr)`)).join(' ')}`;
const HOST_GRID_TEMPLATE = templateOf(HOST_GRID_COLUMNS);
const FLEET_GRID_TEMPLATE = templateOf(FLEET_GRID_COLUMNS);
const NO_ROWS: VmKey[] = [];

/** What a row's clicks do; stable across renders so rows need not re-render for new closures. */
interface RowEvents {
  click: (e: MouseEvent, index: number, key: VmKey) => void;
  check: (index: number, key: VmKey) => void;
}

const BULK_ACTIONS: { action: VmAction; label: string }[] = [
  { action: 'start', label: 'Start selected' },
  { action: 'shutdown', label: 'Shut down selected' },
  { action: 'destroy', label: 'Force off selected' },
];

interface VmGridProps {
  label: string;
  keys: readonly VmKey[];
  /** Show a Host column (grids that span hosts). */
  showHost?: boolean;
}

export function VmGrid({ label, keys, showHost = false }: VmGridProps) {
  const client = useClient();
  const notify = useFleetStore((s) => s.notify);
  const show = useViewStore((s) => s.show);
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<GridSort>({ column: 'name', direction: 'ascending' });
  const [selected, setSelected] = useState<ReadonlySet<VmKey>>(new Set());
  const [active, setActive] = useState(0);
  const [anchor, setAnchor] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);
  const gridElement = useRef<HTMLDivElement>(null);
  const gridId = useId();

  const columns = showHost ? FLEET_GRID_COLUMNS : HOST_GRID_COLUMNS;
  const template = showHost ? FLEET_GRID_TEMPLATE : HOST_GRID_TEMPLATE;
  // Sorted by name or host and unfiltered, the order depends on the keys alone: polls that only
  // change VMs' stats (every few seconds on a big fleet) then cost no 50,000-row re-sort.
  const orderFollowsStats =
    filter.trim() !== '' || (sort.column !== 'name' && sort.column !== 'host');
  const orderInput = useFleetStore((s) => (orderFollowsStats ? s.vmsByHost : null));
  const rows = useMemo(
    () => gridRows(keys, orderInput ?? useFleetStore.getState().vmsByHost, filter, sort),
    [keys, orderInput, filter, sort],
  );
  const { first, last, totalHeight, scrollToRow, slot, slotOrder } = useVirtualRows(
    scroller,
    rows.length,
    ROW_HEIGHT,
  );
  // Selection of rows the filter hides, or VMs that are gone, does not count.
  const visibleSelected = useMemo(
    () => (selected.size ? rows.filter((k) => selected.has(k)) : NO_ROWS),
    [rows, selected],
  );
  const activeIndex = Math.min(active, Math.max(0, rows.length - 1));
  // By VM, so the active row's id changes with its VM (a sort, a filter); encoded, as a VM's
  // name may hold spaces, which an id list (aria-owns) cannot.
  const rowId = (key: VmKey) => `${gridId}-${encodeURIComponent(key)}`;
  // Rows render in slot order (see useVirtualRows), which is not their order once the list has
  // scrolled: aria-owns gives assistive technology their order.
  const rowIdsInOrder = rows.slice(first, last).map(rowId).join(' ');

  const selectRange = (from: number, to: number) =>
    setSelected(new Set(rows.slice(Math.min(from, to), Math.max(from, to) + 1)));
  const toggle = (key: VmKey) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  const moveTo = (index: number, extend: boolean) => {
    const i = Math.max(0, Math.min(rows.length - 1, index));
    setActive(i);
    scrollToRow(i);
    if (extend) selectRange(anchor, i);
    else setAnchor(i);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 320) / ROW_HEIGHT) - 1);
    const key = rows[activeIndex];
    let handled = true;
    if (e.key === 'ArrowDown') moveTo(activeIndex + 1, e.shiftKey);
    else if (e.key === 'ArrowUp') moveTo(activeIndex - 1, e.shiftKey);
    else if (e.key === 'PageDown') moveTo(activeIndex + page, e.shiftKey);
    else if (e.key === 'PageUp') moveTo(activeIndex - page, e.shiftKey);
    else if (e.key === 'Home') moveTo(0, e.shiftKey);
    else if (e.key === 'End') moveTo(rows.length - 1, e.shiftKey);
    else if (e.key === ' ' && key) toggle(key);
    else if (e.key === 'Enter' && key) show({ kind: 'vm', ...splitVmKey(key) });
    else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'a') setSelected(new Set(rows));
    else if (e.key === 'Escape') setSelected(new Set());
    else handled = false;
    if (handled) e.preventDefault();
  };

  const onRowClick = (e: MouseEvent, index: number, key: VmKey) => {
    setActive(index);
    if (e.shiftKey) selectRange(anchor, index);
    else {
      setAnchor(index);
      if (e.ctrlKey || e.metaKey) toggle(key);
      else setSelected(new Set([key]));
    }
  };
  const onRowCheck = (index: number, key: VmKey) => {
    setActive(index);
    setAnchor(index);
    toggle(key);
    // Focus belongs to the grid (its active row is aria-activedescendant): a row's elements are
    // lent to another VM once it scrolls out, and a focused checkbox would then name that VM.
    gridElement.current?.focus({ preventScroll: true });
  };
  // Rows get stable functions that call this render's handlers (set after each render).
  const latestRowEvents = useRef<RowEvents>({ click: onRowClick, check: onRowCheck });
  useLayoutEffect(() => {
    latestRowEvents.current = { click: onRowClick, check: onRowCheck };
  });
  const rowEvents = useMemo<RowEvents>(
    () => ({
      click: (e, index, key) => latestRowEvents.current.click(e, index, key),
      check: (index, key) => latestRowEvents.current.check(index, key),
    }),
    [],
  );

  const runBulk = (action: VmAction, title: string) => {
    const refs = visibleSelected.map(splitVmKey);
    client
      .bulkVmAction(refs, action)
      .catch((err: unknown) => notify('error', `${title} failed: ${errorMessage(err)}`));
  };

  const sortBy = (column: GridColumn) =>
    setSort((s) => ({
      column,
      direction: s.column === column && s.direction === 'ascending' ? 'descending' : 'ascending',
    }));

  const allVisibleSelected = rows.length > 0 && visibleSelected.length === rows.length;

  return (
    <div className="vm-grid">
      <Toolbar className="grid-toolbar" label={`${label} actions`}>
        <input
          type="search"
          aria-label={`Filter ${label}`}
          placeholder="Filter by name, state, tag"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
        <span className="selection-count" role="status">
          {visibleSelected.length} of {rows.length} selected
        </span>
        {BULK_ACTIONS.map(({ action, label: title }) => (
          <button
            key={action}
            type="button"
            className={action === 'destroy' ? 'danger' : undefined}
            disabled={visibleSelected.length === 0}
            onClick={() => runBulk(action, title)}
          >
            {title}
          </button>
        ))}
      </Toolbar>
      <div
        ref={gridElement}
        role="grid"
        aria-label={label}
        aria-rowcount={rows.length + 1}
        aria-colcount={columns.length + 1}
        aria-multiselectable="true"
        aria-activedescendant={rows[activeIndex] ? rowId(rows[activeIndex]) : undefined}
        tabIndex={0}
        className="grid"
        onKeyDown={onKeyDown}
      >
        <div role="rowgroup" className="grid-head">
          <div
            role="row"
            aria-rowindex={1}
            className="grid-row"
            style={{ gridTemplateColumns: template }}
          >
            <div role="columnheader" aria-colindex={1}>
              <input
                type="checkbox"
                tabIndex={-1}
                aria-label="Select all"
                checked={allVisibleSelected}
                onChange={() => setSelected(allVisibleSelected ? new Set() : new Set(rows))}
              />
            </div>
            {columns.map((c, i) => (
              <div
                key={c}
                role="columnheader"
                aria-colindex={i + 2}
                aria-sort={sort.column === c ? sort.direction : 'none'}
              >
                <button type="button" className="sort" onClick={() => sortBy(c)}>
                  {COLUMN_TITLES[c]}
                  <span aria-hidden="true">
                    {sort.column === c ? (sort.direction === 'ascending' ? ' ▲' : ' ▼') : ''}
                  </span>
                </button>
              </div>
            ))}
          </div>
        </div>
        <div
          role="rowgroup"
          className="grid-body"
          aria-owns={rowIdsInOrder || undefined}
          ref={scroller}
          style={{ minHeight: `min(${totalHeight}px, ${BODY_MIN_HEIGHT})` }}
        >
          {rows.length === 0 ? (
            <div role="row" className="grid-empty">
              <div role="gridcell">{keys.length ? 'No VM matches the filter.' : 'No VMs.'}</div>
            </div>
          ) : null}
          <div className="virtual-rows" style={{ height: totalHeight }}>
            {slotOrder.map((index) => (
              <GridRow
                key={slot(index)}
                vmKey={rows[index]!}
                id={rowId(rows[index]!)}
                index={index}
                active={index === activeIndex}
                selected={selected.has(rows[index]!)}
                columns={columns}
                template={template}
                events={rowEvents}
              />
            ))}
          </div>
        </div>
      </div>
    </div>
  );
}

interface GridRowProps {
  vmKey: VmKey;
  id: string;
  index: number;
  active: boolean;
  selected: boolean;
  columns: readonly GridColumn[];
  template: string;
  events: RowEvents;
}

const GridRow = memo(function GridRow({
  vmKey: key,
  id,
  index,
  active,
  selected,
  columns,
  template,
  events,
}: GridRowProps) {
  const vm = useFleetStore((s) => vmOf(s.vmsByHost, key));
  const show = useViewStore((s) => s.show);
  if (!vm) return null;
  const open = () => show({ kind: 'vm', host: vm.host, vm: vm.name });
  return (
    <div
      id={id}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      className={`grid-row${active ? ' active' : ''}${selected ? ' selected' : ''}`}
      style={{ top: index * ROW_HEIGHT, gridTemplateColumns: template }}
      onClick={(e) => events.click(e, index, key)}
      onDoubleClick={open}
    >
      <div role="gridcell" aria-colindex={1}>
        <input
          type="checkbox"
          tabIndex={-1}
          aria-label={`Select ${vm.name}`}
          checked={selected}
          onClick={(e) => e.stopPropagation()}
          onChange={() => events.check(index, key)}
        />
      </div>
      {columns.map((c, ci) => (
        <div
          key={c}
          role="gridcell"
          aria-colindex={ci + 2}
          className={TEXT_COLUMNS.has(c) ? 'clipped' : undefined}
        >
          {cellContent(c, vm, open)}
        </div>
      ))}
    </div>
  );
});

/** A cell's content: elements, not a component per cell (fewer to reconcile per row). */
function cellContent(column: GridColumn, vm: FleetVm, open: () => void) {
  switch (column) {
    case 'name':
      return (
        <button
          type="button"
          tabIndex={-1}
          className="link"
          onClick={(e) => {
            e.stopPropagation();
            open();
          }}
        >
          {vm.name}
        </button>
      );
    case 'host':
      return <>{vm.host}</>;
    case 'state':
      return <StateBadge state={vm.state} />;
    case 'vcpus':
      return <>{vm.vcpus}</>;
    case 'memory':
      return <>{formatMiB(vm.memoryMiB)}</>;
    case 'cpu':
      return <>{formatPercent(vm.cpuPercent)}</>;
    case 'tags':
      return <>{vm.tags.join(', ')}</>;
  }
}
