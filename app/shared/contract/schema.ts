// Argument schemas for the contract: small runtime checks whose TypeScript type is inferred, so a
// method's arguments are declared once and both checked at the transport edge and typed in code.
import { InvalidInputError } from '../validation/names.js';

export interface Schema<T> {
  /** Returns the value when it fits; throws InvalidInputError naming the field otherwise. */
  parse(value: unknown, field: string): T;
  /** A short human description, e.g. `string`, `'kvm' | 'xen'`. */
  readonly describe: string;
  /** Its structure, so tools can walk a method's arguments (e.g. to find every text field). */
  readonly node: SchemaNode;
}

/** What a schema is made of; a `checked` schema has its inner schema's node. */
export type SchemaNode =
  | { kind: 'string'; max: number; pattern?: RegExp }
  | { kind: 'integer'; min: number; max: number }
  | { kind: 'boolean' }
  | { kind: 'bytes' }
  | { kind: 'oneOf'; values: readonly string[] }
  | { kind: 'optional'; inner: Schema<unknown> }
  | { kind: 'nullable'; inner: Schema<unknown> }
  | { kind: 'array'; item: Schema<unknown>; max: number }
  | { kind: 'object'; shape: Readonly<Record<string, Schema<unknown>>> }
  | { kind: 'record'; key: RegExp; value: Schema<unknown>; max: number };

export type Infer<S> = S extends Schema<infer T> ? T : never;

function fail(field: string, expected: string, value: unknown): never {
  const got = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  throw new InvalidInputError(field, `${field}: expected ${expected}, got ${got}.`);
}

export function string(options: { max?: number; pattern?: RegExp } = {}): Schema<string> {
  const max = options.max ?? 4096;
  return {
    describe: 'string',
    node: { kind: 'string', max, ...(options.pattern && { pattern: options.pattern }) },
    parse(value, field) {
      if (typeof value !== 'string') fail(field, 'a string', value);
      if (value.length > max) {
        throw new InvalidInputError(field, `${field}: at most ${max} characters.`);
      }
      if (options.pattern && !options.pattern.test(value)) {
        throw new InvalidInputError(field, `${field}: ${JSON.stringify(value)} is not valid.`);
      }
      return value;
    },
  };
}

export function integer(options: { min?: number; max?: number } = {}): Schema<number> {
  const min = options.min ?? Number.MIN_SAFE_INTEGER;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  return {
    describe: 'integer',
    node: { kind: 'integer', min, max },
    parse(value, field) {
      if (typeof value !== 'number' || !Number.isInteger(value)) fail(field, 'an integer', value);
      if (value < min || value > max) {
        throw new InvalidInputError(field, `${field}: must be between ${min} and ${max}.`);
      }
      return value;
    },
  };
}

export const boolean: Schema<boolean> = {
  describe: 'boolean',
  node: { kind: 'boolean' },
  parse(value, field) {
    if (typeof value !== 'boolean') fail(field, 'true or false', value);
    return value;
  },
};

/** Raw bytes (console data). Transports that speak JSON encode them (see wire-codec). */
export const bytes: Schema<Uint8Array> = {
  describe: 'bytes',
  node: { kind: 'bytes' },
  parse(value, field) {
    if (!(value instanceof Uint8Array)) fail(field, 'bytes', value);
    return value;
  },
};

/**
 * `inner`, then `check` (a shared validator that throws InvalidInputError) on its value; its
 * refusal names this field, as every other refusal does.
 */
export function checked<T>(inner: Schema<T>, check: (value: T) => unknown): Schema<T> {
  return {
    describe: inner.describe,
    node: inner.node,
    parse(value, field) {
      const parsed = inner.parse(value, field);
      try {
        check(parsed);
      } catch (err) {
        if (err instanceof InvalidInputError) {
          throw new InvalidInputError(field, `${field}: ${err.message}`);
        }
        throw err;
      }
      return parsed;
    },
  };
}

export function oneOf<const T extends readonly string[]>(values: T): Schema<T[number]> {
  const describe = values.map((v) => `'${v}'`).join(' | ');
  return {
    describe,
    node: { kind: 'oneOf', values },
    parse(value, field) {
      if (typeof value !== 'string' || !values.includes(value)) fail(field, describe, value);
      return value;
    },
  };
}

export function optional<T>(inner: Schema<T>): Schema<T | undefined> & { optional: true } {
  return {
    optional: true,
    describe: `${inner.describe} (optional)`,
    node: { kind: 'optional', inner },
    parse: (value, field) => (value === undefined ? undefined : inner.parse(value, field)),
  };
}

export function nullable<T>(inner: Schema<T>): Schema<T | null> {
  return {
    describe: `${inner.describe} | null`,
    node: { kind: 'nullable', inner },
    parse: (value, field) => (value === null ? null : inner.parse(value, field)),
  };
}

export function array<T>(inner: Schema<T>, options: { max?: number } = {}): Schema<T[]> {
  const max = options.max ?? 10_000;
  return {
    describe: `${inner.describe}[]`,
    node: { kind: 'array', item: inner, max },
    parse(value, field) {
      if (!Array.isArray(value)) fail(field, 'an array', value);
      if (value.length > max) throw new InvalidInputError(field, `${field}: at most ${max} items.`);
      return value.map((item, i) => inner.parse(item, `${field}[${i}]`));
    },
  };
}

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = {
  [K in keyof S]: S[K] extends { optional: true } ? K : never;
}[keyof S];
export type ObjectOf<S extends Shape> = {
  [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]>;
} & { [K in OptionalKeys<S>]?: Infer<S[K]> };

/** A plain object with exactly these keys; unknown keys are refused, not ignored. */
export function object<S extends Shape>(shape: S): Schema<ObjectOf<S>> {
  return {
    describe: `{ ${Object.keys(shape).join(', ')} }`,
    node: { kind: 'object', shape },
    parse(value, field) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        fail(field, 'an object', value);
      }
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        if (!Object.hasOwn(shape, key))
          throw new InvalidInputError(field, `${field}: unknown field ${key}.`);
      }
      const out: Record<string, unknown> = {};
      for (const [key, schema] of Object.entries(shape)) {
        const parsed = schema.parse(record[key], `${field}.${key}`);
        if (parsed !== undefined) out[key] = parsed;
      }
      return out as ObjectOf<S>;
    },
  };
}

/** A plain object of string values whose keys match `key` (e.g. provisioning parameters). */
export function stringRecord(
  key: RegExp,
  value: Schema<string>,
  options: { max?: number } = {},
): Schema<Record<string, string>> {
  const max = options.max ?? 100;
  return {
    describe: `{ [key]: ${value.describe} }`,
    node: { kind: 'record', key, value, max },
    parse(input, field) {
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        fail(field, 'an object', input);
      }
      const entries = Object.entries(input as Record<string, unknown>);
      if (entries.length > max) {
        throw new InvalidInputError(field, `${field}: at most ${max} entries.`);
      }
      const out: Record<string, string> = {};
      for (const [k, v] of entries) {
        if (!key.test(k))
          throw new InvalidInputError(field, `${field}: invalid key ${JSON.stringify(k)}.`);
        out[k] = value.parse(v, `${field}.${k}`);
      }
      return out;
    },
  };
}
