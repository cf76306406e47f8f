/**
 * The run's instances as a live table, ordered by node then index unless a column header says otherwise. Windowed:
 * only the rows in view are in the DOM, so that 1,000 instances updating many times a second stay responsive.
 */
import { memo } from 'preact/compat';
import { useMemo, useState } from 'preact/hooks';
import type { InstanceRow } from './run-store.js';
import { STATE_EXITS, STATE_PATH, stateLabel } from '../components/run-states.js';
import { rowWindow, useScrollView } from './windowed-rows.js';

const ROW_HEIGHT = 30;
const VIEW_HEIGHT = 420;

type Column = 'instance' | 'vmState' | 'stateCustom' | 'completed' | 'instanceId' | 'ip' | 'lastLog';
type Sort = { column: Column; descending: boolean };

const STATE_ORDER = [...STATE_PATH, ...STATE_EXITS];
const byInstance = (a: InstanceRow, b: InstanceRow) => (a.node === b.node ? a.index - b.index : a.node < b.node ? -1 : 1);
// One collator for every comparison: String.localeCompare builds one per call, 10,000 times per sort of 1,000 rows.
const collator = new Intl.Collator();
const byText = (key: (row: InstanceRow) => string) => (a: InstanceRow, b: InstanceRow) => collator.compare(key(a), key(b)) || byInstance(a, b);
const COMPARE: Record<Column, (a: InstanceRow, b: InstanceRow) => number> = {
  instance: byInstance,
  vmState: byText((r) => r.vmState),
  stateCustom: byText((r) => r.stateCustom),
  completed: (a, b) => STATE_ORDER.indexOf(a.completedState!) - STATE_ORDER.indexOf(b.completedState!) || byInstance(a, b),
  instanceId: byText((r) => r.instanceId),
  ip: byText((r) => r.ip),
  lastLog: (a, b) => (a.lastLog?.time ?? 0) - (b.lastLog?.time ?? 0) || byInstance(a, b),
};
const HEADERS: [Column, string][] = [
  ['instance', 'Instance'],
  ['vmState', 'VM state'],
  ['stateCustom', 'Status (ss-display)'],
  ['completed', 'Completed'],
  ['instanceId', 'VM id'],
  ['ip', 'IP'],
  ['lastLog', 'Last log line'],
];

export interface InstancesTableProps {
  /** Ordered by node then index (RunStore.orderedInstances); rows change in place. */
  rows: readonly InstanceRow[];
  /** RunStore.changes.instances: a new value re-renders the table. */
  changes: number;
  /** Instances chosen for removal; undefined when the caller cannot remove any (no checkboxes). */
  selected?: ReadonlySet<string>;
  onToggle?: (name: string) => void;
  followed: string | undefined;
  onFollow: (name: string) => void;
}

export const InstancesTable = memo(function InstancesTable({ rows, changes, selected, onToggle, followed, onFollow }: InstancesTableProps) {
  const [sort, setSort] = useState<Sort>({ column: 'instance', descending: false });
  // Sorted again when a row changed, not at each scroll event.
  const sorted = useMemo(() => sortRows(rows, sort), [rows, changes, sort]);
  const scroll = useScrollView<HTMLDivElement>(VIEW_HEIGHT);
  const visible = rowWindow(sorted.length, ROW_HEIGHT, scroll.scrollTop, scroll.height);
  const selectable = selected !== undefined && onToggle !== undefined;
  const columns = HEADERS.length + 1 + (selectable ? 1 : 0);

  const sortBy = (column: Column) => setSort((s) => ({ column, descending: s.column === column ? !s.descending : false }));

  return (
    <div class="instances-scroll" ref={scroll.ref} style={{ maxHeight: `${VIEW_HEIGHT}px` }}>
      <table class="instances" aria-rowcount={sorted.length + 1} data-testid="instances" data-count={rows.length}>
        <thead>
          <tr aria-rowindex={1}>
            {selectable && (
              <th class="select">
                <span class="visually-hidden">Remove</span>
              </th>
            )}
            {HEADERS.map(([column, label]) => (
              <th key={column} class={`col-${column}`} aria-sort={sort.column === column ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
                <button type="button" class="sort" onClick={() => sortBy(column)}>
                  {label}
                  <span aria-hidden="true">{sort.column === column ? (sort.descending ? ' ▾' : ' ▴') : ''}</span>
                </button>
              </th>
            ))}
            <th class="col-actions">
              <span class="visually-hidden">Log</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {visible.before > 0 && (
            <tr aria-hidden="true" class="spacer" style={{ height: `${visible.before}px` }}>
              <td colSpan={columns} />
            </tr>
          )}
          {sorted.slice(visible.first, visible.end).map((row, i) => (
            <tr key={row.name} aria-rowindex={visible.first + i + 2} data-instance={row.name} data-scale-state={row.scaleState || undefined} aria-selected={followed === row.name}>
              {selectable && (
                <td class="select">
                  <input type="checkbox" aria-label={`Remove ${row.name}`} checked={selected.has(row.name)} disabled={row.scaleState !== ''} onChange={() => onToggle(row.name)} />
                </td>
              )}
              <th scope="row" class="col-instance">
                {row.name}
                {row.scaleState && <span class="badge">{row.scaleState}</span>}
              </th>
              <td class="col-vmState">{row.vmState}</td>
              <td class="col-stateCustom" title={row.stateCustom}>
                {row.stateCustom}
              </td>
              <td class="col-completed">{row.completedState ? stateLabel(row.completedState) : ''}</td>
              <td class="col-instanceId mono" title={row.instanceId}>
                {row.instanceId}
              </td>
              <td class="col-ip mono">{row.ip}</td>
              <td class={`col-lastLog mono${row.lastLog?.gap ? ' gap' : ''}`} title={row.lastLog?.text}>
                {row.lastLog?.text}
              </td>
              <td class="col-actions">
                <button type="button" class="link" aria-pressed={followed === row.name} onClick={() => onFollow(row.name)}>
                  Log<span class="visually-hidden"> of {row.name}</span>
                </button>
              </td>
            </tr>
          ))}
          {visible.after > 0 && (
            <tr aria-hidden="true" class="spacer" style={{ height: `${visible.after}px` }}>
              <td colSpan={columns} />
            </tr>
          )}
        </tbody>
      </table>
      {rows.length === 0 && <p class="muted empty">No instances yet.</p>}
    </div>
  );
});

/** Rows in the chosen order; the default (node, then index) is the order they come in. */
function sortRows(rows: readonly InstanceRow[], sort: Sort): readonly InstanceRow[] {
  if (sort.column === 'instance' && !sort.descending) return rows;
  const copy = [...rows].sort(COMPARE[sort.column]);
  return sort.descending ? copy.reverse() : copy;
}
