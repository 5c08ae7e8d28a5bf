// How the contract is declared: each method names its argument schemas (checked at every
// transport edge) and its result type; each event names its payload type. The service type the UI
// and main code against is derived from the declaration, so a method exists in one place only.
import { InvalidInputError } from '../validation/names.js';
import type { Infer, Schema } from './schema.js';

declare const resultType: unique symbol;
declare const payloadType: unique symbol;

/**
 * A compact form of a big value for the JSON transport (browser mode's WebSocket), which packs
 * and unpacks it at its two ends; Electron's IPC copies values as they are.
 */
export interface Packing<T> {
  pack(value: T): unknown;
  /** Throws on a form `pack` does not make. */
  unpack(packed: unknown): T;
}

export interface MethodSpec<Args extends readonly Schema<unknown>[], Result> {
  readonly args: Args;
  readonly packing?: Packing<Result>;
  /** Phantom: carries the result type, never read at run time. */
  readonly [resultType]?: Result;
}

export interface EventSpec<Payload> {
  readonly event: true;
  readonly packing?: Packing<Payload>;
  /** Phantom: carries the payload type, never read at run time. */
  readonly [payloadType]?: Payload;
}

type Declared = Readonly<Record<string, { readonly packing?: Packing<unknown> }>>;

/** The packing `specs` declares for `name` (a name from the wire: own properties only). */
export function declaredPacking(specs: Declared, name: string): Packing<unknown> | undefined {
  const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
  return spec && Object.hasOwn(spec, 'packing') ? spec.packing : undefined;
}

/** `value` as the JSON transport carries it: packed when the declaration of `name` says how. */
export function packForWire(specs: Declared, name: string, value: unknown): unknown {
  const packing = declaredPacking(specs, name);
  return packing ? packing.pack(value) : value;
}

/** What packForWire packed, as it was; throws on a malformed form. */
export function unpackFromWire(specs: Declared, name: string, value: unknown): unknown {
  const packing = declaredPacking(specs, name);
  return packing ? packing.unpack(value) : value;
}

/** A method with these argument schemas resolving to Result (packed so over JSON, if given). */
export function method<Result>(packing?: Packing<Result>) {
  return <const Args extends readonly Schema<unknown>[]>(
    ...args: Args
  ): MethodSpec<Args, Result> => (packing ? { args, packing } : { args });
}

export function event<Payload>(packing?: Packing<Payload>): EventSpec<Payload> {
  return packing ? { event: true, packing } : { event: true };
}

export type AnyMethod = MethodSpec<readonly Schema<unknown>[], unknown>;
export type AnyEvent = EventSpec<unknown>;

export interface ContractSpec {
  methods: Record<string, AnyMethod>;
  events: Record<string, AnyEvent>;
}

type Required<A extends readonly unknown[]> = { [K in keyof A]: Infer<A[K]> };
/** Trailing optional schemas become optional parameters. */
type ArgsTuple<A extends readonly unknown[]> = A extends readonly [...infer Init, infer Last]
  ? Last extends { optional: true }
    ? [...ArgsTuple<Init>, Infer<Last>?]
    : [...Required<Init>, Infer<Last>]
  : [];
type ArgsOf<M> = M extends MethodSpec<infer A, unknown> ? ArgsTuple<A> : never;
type ResultOf<M> = M extends MethodSpec<readonly Schema<unknown>[], infer R> ? R : never;
export type PayloadOf<E> = E extends EventSpec<infer P> ? P : never;

/** The methods of a contract as async functions: what main implements and the UI calls. */
export type ServiceOf<C extends ContractSpec> = {
  [K in keyof C['methods']]: (
    ...args: ArgsOf<C['methods'][K]>
  ) => Promise<ResultOf<C['methods'][K]>>;
};

export type EventName<C extends ContractSpec> = keyof C['events'] & string;
export type EventPayload<C extends ContractSpec, E extends EventName<C>> = PayloadOf<
  C['events'][E]
>;

/** What a client holds: the methods, plus subscriptions to events. */
export type ClientOf<C extends ContractSpec> = ServiceOf<C> & {
  on<E extends EventName<C>>(event: E, listener: (payload: EventPayload<C, E>) => void): () => void;
};

/** Checks one call's arguments against the declaration; throws InvalidInputError when wrong. */
export function parseArgs(spec: AnyMethod, name: string, args: unknown): unknown[] {
  if (!Array.isArray(args)) throw new InvalidInputError(name, `${name}: arguments must be a list.`);
  if (args.length > spec.args.length) {
    throw new InvalidInputError(name, `${name}: expected at most ${spec.args.length} arguments.`);
  }
  return spec.args.map((schema, i) => schema.parse(args[i], `${name}#${i + 1}`));
}

/** Errors cross transports as plain data; `code` tells the UI what to show. */
export const ERROR_CODES = [
  'invalid-input',
  'not-found',
  'host-key-unknown',
  'host-key-changed',
  'connection-lost',
  'unauthorized',
  /** The host's hypervisor has no such operation (e.g. snapshots on xl); nothing ran. */
  'not-supported',
  'failed',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ContractErrorData {
  code: ErrorCode;
  message: string;
  /** The argument at fault, for invalid-input. */
  field?: string;
  /** For host-key-unknown/changed: fingerprints (`SHA256:...`) to show the operator. */
  fingerprint?: string;
  oldFingerprint?: string;
}

export class ContractError extends Error {
  constructor(readonly data: ContractErrorData) {
    super(data.message);
    this.name = 'ContractError';
  }
}

/** Any error as contract data: ContractError keeps its data, bad input names its field. */
export function contractErrorData(err: unknown): ContractErrorData {
  if (err instanceof ContractError) return err.data;
  if (err instanceof InvalidInputError) {
    return { code: 'invalid-input', message: err.message, field: err.field };
  }
  return { code: 'failed', message: err instanceof Error ? err.message : String(err) };
}

/** Rebuilds the error a transport carried as data. */
export function contractErrorFrom(data: unknown): ContractError {
  const record = (typeof data === 'object' && data !== null ? data : {}) as Partial<
    Record<keyof ContractErrorData, unknown>
  >;
  const code = ERROR_CODES.find((c) => c === record.code) ?? 'failed';
  const message = typeof record.message === 'string' ? record.message : 'Unknown error.';
  const copy: ContractErrorData = { code, message };
  for (const key of ['field', 'fingerprint', 'oldFingerprint'] as const) {
    const value = record[key];
    if (typeof value === 'string') copy[key] = value;
  }
  return new ContractError(copy);
}

/** Where a transport delivers one client's events. */
export type EventSink<C extends ContractSpec> = <E extends EventName<C>>(
  event: E,
  payload: EventPayload<C, E>,
) => void;
