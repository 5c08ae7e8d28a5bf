// A choice of server pool by its full path (`Datacenter/Rack 1`), or none.
import { compareNames } from '../common/compare.js';
import { useMemo } from 'react';
import { Field } from '../common/Field.js';
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
  const pools = usePoolPaths();
  return (
    <Field label={label}>
      {(control) => (
        <select
          {...control}
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
      )}
    </Field>
  );
}
