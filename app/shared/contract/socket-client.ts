// A contract client over a WebSocket-like socket: the browser's WebSocket in the renderer, the
// `ws` package in tests. Methods come from the contract's names; a dropped connection rejects the
// calls in flight with a plain connection-lost error and reconnects with backoff.
import { ContractError, contractErrorFrom, unpackFromWire } from './define.js';
import type { ClientOf, ContractSpec } from './define.js';
import { decodeWire, encodeWire, type CallMessage } from './wire.js';

/** The part of the WebSocket API used here (the DOM's and the `ws` package's both fit). */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  send(data: string): void;
  close(): void;
}

const OPEN = 1;

export type ConnectionState = 'connected' | 'reconnecting';

/** The contract's client, plus the state of the connection under it. */
export type SocketClient<C extends ContractSpec> = ClientOf<C> & {
  /** Called with 'reconnecting' when the connection drops and 'connected' when it is back. */
  onConnectionChange(listener: (state: ConnectionState, error: string | null) => void): () => void;
  /** Closes the connection for good. */
  disconnect(): void;
};

export interface SocketClientOptions {
  /** Opens a new socket to the server. */
  open(): SocketLike;
  /** Runs `fn` after `ms` (setTimeout; app/shared has no timers of its own). */
  later(fn: () => void, ms: number): void;
  /** Methods whose last arguments are replayed after a reconnect (the server forgot them). */
  replay?: readonly string[];
}

export const CONNECTION_LOST =
  'The connection to ConVirt was lost. Reconnecting… (if ConVirt was restarted, open the new ' +
  'URL it printed).';

type Listener = (payload: unknown) => void;

/** Resolves once connected; rejects with a plain error if the first attempt fails. */
export function connectSocketClient<C extends ContractSpec>(
  contract: C,
  options: SocketClientOptions,
): Promise<SocketClient<C>> {
  const pending = new Map<
    number,
    { method: string; resolve(v: unknown): void; reject(e: Error): void }
  >();
  const listeners = new Map<string, Set<Listener>>();
  const stateListeners = new Set<(state: ConnectionState, error: string | null) => void>();
  const replayed = new Map<string, unknown[]>();
  let socket: SocketLike | null = null;
  let nextId = 1;
  let everConnected = false;
  let stopped = false;
  let retryMs = 500;

  const call = (method: string, args: unknown[]): Promise<unknown> => {
    const current = socket;
    if (!current || current.readyState !== OPEN) {
      return Promise.reject(
        new ContractError({ code: 'connection-lost', message: CONNECTION_LOST }),
      );
    }
    if (options.replay?.includes(method)) replayed.set(method, args);
    // Trailing undefined arguments are omitted optional ones.
    let trimmed = args;
    while (trimmed.length && trimmed[trimmed.length - 1] === undefined)
      trimmed = trimmed.slice(0, -1);
    const id = nextId++;
    const message: CallMessage = { id, method, args: trimmed };
    return new Promise((resolve, reject) => {
      pending.set(id, { method, resolve, reject });
      current.send(encodeWire(message));
    });
  };

  const receive = (text: string) => {
    let message: Record<string, unknown>;
    try {
      message = decodeWire(text) as Record<string, unknown>;
    } catch {
      return;
    }
    if (typeof message.event === 'string') {
      const subscribed = listeners.get(message.event);
      if (!subscribed?.size) return;
      let payload: unknown;
      try {
        payload = unpackFromWire(contract.events, message.event, message.payload);
      } catch {
        return; // a malformed event is dropped, as one that does not parse
      }
      subscribed.forEach((listener) => listener(payload));
      return;
    }
    const id = message.id;
    const waiting = typeof id === 'number' ? pending.get(id) : undefined;
    if (!waiting) return;
    pending.delete(id as number);
    if ('error' in message) return waiting.reject(contractErrorFrom(message.error));
    try {
      waiting.resolve(unpackFromWire(contract.methods, waiting.method, message.result));
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      waiting.reject(
        new ContractError({ code: 'failed', message: `${waiting.method}: ${detail}` }),
      );
    }
  };

  const client = {
    ...Object.fromEntries(
      Object.keys(contract.methods).map((name) => [name, (...args: unknown[]) => call(name, args)]),
    ),
    on(event: string, listener: Listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => void set.delete(listener);
    },
    onConnectionChange(listener: (state: ConnectionState, error: string | null) => void) {
      stateListeners.add(listener);
      return () => void stateListeners.delete(listener);
    },
    disconnect() {
      stopped = true;
      socket?.close();
    },
  } as unknown as SocketClient<C>;

  return new Promise((resolve, reject) => {
    const open = () => {
      const current = options.open();
      socket = current;
      current.onopen = () => {
        retryMs = 500;
        if (!everConnected) {
          everConnected = true;
          resolve(client);
          return;
        }
        for (const [method, args] of replayed) void call(method, args).catch(() => undefined);
        stateListeners.forEach((listener) => listener('connected', null));
      };
      current.onmessage = (event) => {
        // Calls and events are text frames.
        if (typeof event.data === 'string') receive(event.data);
      };
      current.onclose = () => {
        if (socket !== current) return;
        socket = null;
        const lost = new ContractError({ code: 'connection-lost', message: CONNECTION_LOST });
        for (const waiting of pending.values()) waiting.reject(lost);
        pending.clear();
        if (!everConnected) {
          reject(new Error('Cannot reach ConVirt: the connection was refused.'));
          return;
        }
        if (stopped) return;
        stateListeners.forEach((listener) => listener('reconnecting', CONNECTION_LOST));
        options.later(open, retryMs);
        retryMs = Math.min(retryMs * 2, 5000);
      };
    };
    open();
  });
}
