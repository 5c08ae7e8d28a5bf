// A choice of server pool by its full path (`Datacenter/Rack 1`), or none.
import { compareNames } from '../common/compare.js';
import { useId, useMemo } from 'react';
import { useFleetStore } from '../store/fleet-store.js';
import { groupPath } from './tree-rows.js';

interface PoolSelectProps {
  label: string;
  value: number | null;
  onChange: (groupId: number | null) => void;
}

export function usePoolPaths(): { id: number; path: string }[] {
  const groups = useFleetStore((s) => s.groups);
  return useMemo(
    () =>
      Object.values(groups)
        .map((g) => ({ id: g.id, path: groupPath(groups, g.id) }))
        .sort((a, b) => compareNames(a.path, b.path)),
    [groups],
  );
}

export function PoolSelect({ label, value, onChange }: PoolSelectProps) {
  const id = useId();
  const pools = usePoolPaths();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value === null ? '' : String(value)}
        onChange={(e) => onChange(e.target.value === '' ? null : Number(e.target.value))}
      >
        <option value="">(no pool: directly in the data center)</option>
        {pools.map((p) => (
          <option key={p.id} value={p.id}>
            {p.path}
          </option>
        ))}
      </select>
    </div>
  );
}
