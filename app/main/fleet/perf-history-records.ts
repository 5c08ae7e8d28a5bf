// The binary records of the performance history files: one record per kept poll of a host,
// `at` (float64 ms) and a count (uint32), then per series its number (uint32) and its four values
// (float32, NaN for unknown): 12 + 20 bytes per VM. Little-endian. A record cut short by a crash
// mid-append ends the parse; the records before it stay readable.

/** cpuPercent, memoryMiB, diskBytesPerSec, netBytesPerSec */
export const VALUES = 4;
const HEADER_BYTES = 12;
const ENTRY_BYTES = 4 + VALUES * 4;

export type SeriesValues = readonly number[];

export interface HistoryRecord {
  at: number;
  /** Series number to its values. */
  entries: Map<number, SeriesValues>;
}

export function encodeRecord({ at, entries }: HistoryRecord): Buffer {
  const buffer = Buffer.alloc(HEADER_BYTES + entries.size * ENTRY_BYTES);
  buffer.writeDoubleLE(at, 0);
  buffer.writeUInt32LE(entries.size, 8);
  let offset = HEADER_BYTES;
  for (const [series, values] of entries) {
    buffer.writeUInt32LE(series, offset);
    for (let i = 0; i < VALUES; i++) buffer.writeFloatLE(values[i] ?? NaN, offset + 4 + i * 4);
    offset += ENTRY_BYTES;
  }
  return buffer;
}

/** Every record's time and the values of one series where the record holds it. */
export function* seriesPoints(
  buffer: Buffer,
  series: number,
): Generator<{ at: number; values: number[] }> {
  for (const record of records(buffer)) {
    const values = record.valuesOf(series);
    if (values) yield { at: record.at, values };
  }
}

/** Every record decoded whole (for downsampling a finished file). */
export function* decodeRecords(buffer: Buffer): Generator<HistoryRecord> {
  for (const record of records(buffer)) {
    const entries = new Map<number, number[]>();
    for (let i = 0; i < record.count; i++) {
      const offset = record.offset + i * ENTRY_BYTES;
      entries.set(buffer.readUInt32LE(offset), readValues(buffer, offset));
    }
    yield { at: record.at, entries };
  }
}

interface RawRecord {
  at: number;
  count: number;
  offset: number;
  valuesOf(series: number): number[] | null;
}

function* records(buffer: Buffer): Generator<RawRecord> {
  let offset = 0;
  while (offset + HEADER_BYTES <= buffer.length) {
    const at = buffer.readDoubleLE(offset);
    const count = buffer.readUInt32LE(offset + 8);
    const entriesAt = offset + HEADER_BYTES;
    const end = entriesAt + count * ENTRY_BYTES;
    if (end > buffer.length) return; // cut short
    yield {
      at,
      count,
      offset: entriesAt,
      valuesOf(series) {
        for (let i = 0; i < count; i++) {
          const entry = entriesAt + i * ENTRY_BYTES;
          if (buffer.readUInt32LE(entry) === series) return readValues(buffer, entry);
        }
        return null;
      },
    };
    offset = end;
  }
}

function readValues(buffer: Buffer, entry: number): number[] {
  const values: number[] = [];
  for (let i = 0; i < VALUES; i++) values.push(buffer.readFloatLE(entry + 4 + i * 4));
  return values;
}
