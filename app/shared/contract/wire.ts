// The contract over a JSON transport (browser mode's WebSocket): the messages both ends exchange,
// and a codec that carries what JSON cannot, faithfully: bytes (console data) and `undefined` in
// argument lists (an omitted optional argument).
import type { ContractErrorData } from './define.js';

/** Client to server: call a method. */
export interface CallMessage {
  id: number;
  method: string;
  args: unknown[];
}

/** Server to client: the answer to one call, or an event. */
export type ServerMessage =
  | { id: number; result: unknown }
  | { id: number; error: ContractErrorData }
  | { event: string; payload: unknown };

// Tagged values are objects with one `$`-key; real keys starting with `$` get one more `$`.
const BYTES = '$bytes';
const UNDEFINED = '$undefined';

// Most messages hold nothing to tag: they go through plain JSON, and only a message that holds
// bytes, an omitted argument or a `$` key is copied into its tagged form. A fleet snapshot of
// 50,000 VMs took 230-330 ms to encode and 350-375 ms to decode by the copying walk, against
// about 110 ms and 100 ms this way. Whether to tag is found by a walk of its own rather than a
// JSON.stringify replacer, which costs a call per value: a thousand hosts' polls are encoded for
// every client, every cycle.
export function encodeWire(value: unknown): string {
  return needsTags(value, '') ? JSON.stringify(toWire(value)) : JSON.stringify(value);
}

/** Whether plain JSON would lose part of `value`: bytes, a hole or undefined in an array, a `$` key. */
function needsTags(value: unknown, key: string): boolean {
  if (value instanceof Uint8Array) return true;
  if (typeof value !== 'object' || value === null) return false;
  // As JSON does, once per value (a Date becomes its ISO string).
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    return needsTags((toJSON as (key: string) => unknown).call(value, key), key);
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === undefined || needsTags(item, String(i))) return true;
    }
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const name of Object.keys(record)) {
    if (name.startsWith('$') || needsTags(record[name], name)) return true;
  }
  return false;
}

export function decodeWire(text: string): unknown {
  const parsed = JSON.parse(text) as unknown;
  // Every tag and every escaped key is a key starting with `$`, so it shows in the text as `"$`.
  return text.includes('"$') ? fromWire(parsed) : parsed;
}

function toWire(value: unknown, key = ''): unknown {
  if (value instanceof Uint8Array) return { [BYTES]: encodeBase64(value) };
  // As JSON does, once per value (a Date becomes its ISO string): both paths answer the same.
  const toJSON = (value as { toJSON?: unknown } | null)?.toJSON;
  if (typeof toJSON === 'function') value = (toJSON as (key: string) => unknown).call(value, key);
  if (Array.isArray(value)) {
    return value.map((item: unknown, index) =>
      item === undefined ? { [UNDEFINED]: 1 } : toWire(item, String(index)),
    );
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [name, item] of Object.entries(value)) {
      if (item !== undefined)
        setOwn(out, name.startsWith('$') ? `$${name}` : name, toWire(item, name));
    }
    return out;
  }
  return value;
}

function fromWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromWire);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && typeof record[BYTES] === 'string') return decodeBase64(record[BYTES]);
  if (keys.length === 1 && keys[0] === UNDEFINED) return undefined;
  const out: Record<string, unknown> = {};
  for (const key of keys)
    setOwn(out, key.startsWith('$') ? key.slice(1) : key, fromWire(record[key]));
  return out;
}

/** Sets an own property, even one named `__proto__` (which plain assignment would not). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Map([...ALPHABET].map((c, i) => [c.charCodeAt(0), i]));

/** Standard base64 (app/shared has neither Buffer nor btoa). */
export function encodeBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  let chunk = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    chunk +=
      ALPHABET[(n >> 18) & 63]! +
      ALPHABET[(n >> 12) & 63]! +
      (i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63]! : '=') +
      (i + 2 < bytes.length ? ALPHABET[n & 63]! : '=');
    if (chunk.length >= 8192) {
      parts.push(chunk);
      chunk = '';
    }
  }
  parts.push(chunk);
  return parts.join('');
}

export function decodeBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new Error('Invalid base64: length is not a multiple of 4.');
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const code = text.charCodeAt(i + j);
      const digit = code === 61 /* = */ ? 0 : LOOKUP.get(code);
      if (digit === undefined) throw new Error('Invalid base64 character.');
      n = (n << 6) | digit;
    }
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}
