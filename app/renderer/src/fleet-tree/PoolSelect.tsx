// A choice of server pool by its full path (`Datacenter/Rack 1`), or none.
import { compareNames } from '../common/compare.js';
import { useMemo } from 'react';
import { SelectField } from '../common/Field.js';
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
    <SelectField
      label={label}
      value={value === null ? '' : String(value)}
      options={[
        ['', '(no pool: directly in the data center)'],
        ...pools.map((p) => [String(p.id), p.path] as const),
      ]}
      onChange={(chosen) => onChange(chosen === '' ? null : Number(chosen))}
    />
  );
}
