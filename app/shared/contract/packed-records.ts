// Long lists of records with the same fields, packed for the JSON transport (browser mode's
// WebSocket): the field names once, then each record's values in order. A fleet snapshot of
// 50,000 VMs is 15 MB of JSON as objects, more than half of it the same fourteen field names, and
// 7.2 MB packed; the page receives it in about half the time (bench:ui, docs/benchmarks.md).
// The contract declares which method results and event payloads are packed (define.ts' Packing);
// both ends of the transport pack and unpack them, so no caller sees the packed form.
import type { FleetSnapshot, HostPolled } from './convirt-contract.js';
import type { Packing } from './define.js';

export interface PackedRecords {
  /** The field names of the first record, in its order. */
  fields: string[];
  /**
   * Each record's values in the order of `fields`; a record with other fields (or an undefined
   * value, which a list would turn into null) stays a record, as JSON would carry it.
   */
  rows: unknown[];
}

export function packRecords(records: readonly object[]): PackedRecords {
  const fields = records.length ? Object.keys(records[0]!) : [];
  // A field named __proto__ cannot be set by assignment on the other end: records stay records.
  if (fields.includes('__proto__')) return { fields: [], rows: [...records] };
  const rows = records.map((record) => {
    const keys = Object.keys(record);
    if (keys.length !== fields.length) return record;
    const values: unknown[] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const value = (record as Record<string, unknown>)[keys[i]!];
      if (keys[i] !== fields[i] || value === undefined) return record;
      values[i] = value;
    }
    return values;
  });
  return { fields, rows };
}

/** The records `packed` holds; throws on a form packRecords does not make. */
export function unpackRecords(packed: unknown): Record<string, unknown>[] {
  const { fields, rows } = (packed ?? {}) as Partial<PackedRecords>;
  if (
    !Array.isArray(fields) ||
    !Array.isArray(rows) ||
    !fields.every((field) => typeof field === 'string' && field !== '__proto__')
  ) {
    throw new Error('Malformed packed records: fields or rows missing.');
  }
  return rows.map((row: unknown) => {
    if (!Array.isArray(row)) {
      if (typeof row === 'object' && row !== null) return row as Record<string, unknown>;
      throw new Error('Malformed packed records: a row is neither a list nor a record.');
    }
    if (row.length !== fields.length) {
      throw new Error(
        `Malformed packed records: a row of ${row.length} values for ${fields.length} fields.`,
      );
    }
    const record: Record<string, unknown> = {};
    for (let i = 0; i < fields.length; i++) record[fields[i]!] = row[i];
    return record;
  });
}

function recordOf(packed: unknown, what: string): Record<string, unknown> {
  if (typeof packed !== 'object' || packed === null || Array.isArray(packed)) {
    throw new Error(`Malformed ${what}: not a record.`);
  }
  return packed as Record<string, unknown>;
}

/** getFleet's answer: its VMs packed. */
export const fleetSnapshotPacking: Packing<FleetSnapshot> = {
  pack: (snapshot) => ({ ...snapshot, vms: packRecords(snapshot.vms) }),
  unpack: (packed) => {
    const snapshot = recordOf(packed, 'fleet snapshot');
    return { ...snapshot, vms: unpackRecords(snapshot.vms) } as unknown as FleetSnapshot;
  },
};

/** A poll's event: the VMs it changed packed (every running VM's counters move at every poll). */
export const hostPolledPacking: Packing<HostPolled> = {
  pack: (event) =>
    event.changedVms ? { ...event, changedVms: packRecords(event.changedVms) } : event,
  unpack: (packed) => {
    const event = recordOf(packed, 'hostPolled event');
    if (event.changedVms === undefined) return event as unknown as HostPolled;
    return { ...event, changedVms: unpackRecords(event.changedVms) } as unknown as HostPolled;
  },
};
