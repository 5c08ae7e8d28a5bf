// The renderer's one way to reach main: the preload's object in Electron, a WebSocket in browser
// mode; both give the same ConvirtClient built from the contract's method names.
import {
  convirtContract,
  type ConvirtClient,
  type ConvirtContract,
} from '../../../shared/contract/convirt-contract.js';
import {
  ContractError,
  contractErrorFrom,
  type EventName,
  type EventPayload,
} from '../../../shared/contract/define.js';
import { decodeWire, encodeWire, type CallMessage } from '../../../shared/contract/wire.js';

export type ConnectionState = 'connected' | 'reconnecting';

/** What connect() gives: the contract's client, plus the state of the connection under it. */
export type ConnectedClient = ConvirtClient & {
  /** Called with 'reconnecting' when the connection drops and 'connected' when it is back. */
  onConnectionChange(listener: (state: ConnectionState, error: string | null) => void): () => void;
};

/** The path browser mode serves the contract on (app/main/browser-mode). */
export const CONTRACT_PATH = '/contract';

const METHODS = Object.keys(convirtContract.methods);

export function connect(): Promise<ConnectedClient> {
  const bridge = (globalThis as { convirt?: ConvirtClient }).convirt;
  if (bridge && typeof bridge.on === 'function') return Promise.resolve(fromBridge(bridge));
  const { protocol, host } = globalThis.location;
  const url = `${protocol === 'https:' ? 'wss' : 'ws'}://${host}${CONTRACT_PATH}`;
  return new WebSocketClient(url).ready();
}

/** Electron: the preload already built the client; the connection cannot drop. */
function fromBridge(bridge: ConvirtClient): ConnectedClient {
  return Object.assign(Object.create(null), bridge, {
    onConnectionChange: () => () => undefined,
  }) as ConnectedClient;
}

type Listener = (payload: unknown) => void;

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

const LOST =
  'The connection to ConVirt was lost. Reconnecting… (if ConVirt was restarted, open the new ' +
  'URL it printed).';

/** The contract over a WebSocket to the page's own server, reconnecting when it drops. */
class WebSocketClient {
  private socket: WebSocket | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, PendingCall>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly stateListeners = new Set<(s: ConnectionState, e: string | null) => void>();
  private everConnected = false;
  private retryMs = 500;
  /** Replayed after a reconnect: the server forgets a client's focus when it goes. */
  private focus: unknown[] | null = null;

  constructor(private readonly url: string) {}

  ready(): Promise<ConnectedClient> {
    return new Promise((resolve, reject) => {
      this.open(
        () => resolve(this.client()),
        () => reject(new Error(`Cannot reach ConVirt at ${this.url}.`)),
      );
    });
  }

  private open(onOpen?: () => void, onFirstFailure?: () => void): void {
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.retryMs = 500;
      const reconnected = this.everConnected;
      this.everConnected = true;
      onOpen?.();
      if (reconnected) {
        if (this.focus) void this.call('setFocus', this.focus).catch(() => undefined);
        this.stateListeners.forEach((l) => l('connected', null));
      }
    };
    socket.onmessage = (message: MessageEvent<unknown>) => {
      if (typeof message.data === 'string') this.receive(message.data);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      const lost = new ContractError({ code: 'connection-lost', message: LOST });
      for (const call of this.pending.values()) call.reject(lost);
      this.pending.clear();
      if (!this.everConnected) {
        onFirstFailure?.();
        return;
      }
      this.stateListeners.forEach((l) => l('reconnecting', LOST));
      setTimeout(() => this.open(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 5000);
    };
  }

  private receive(text: string): void {
    let message: Record<string, unknown>;
    try {
      message = decodeWire(text) as Record<string, unknown>;
    } catch {
      return;
    }
    if (typeof message.event === 'string') {
      this.listeners.get(message.event)?.forEach((listener) => listener(message.payload));
      return;
    }
    const call = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
    if (!call) return;
    this.pending.delete(message.id as number);
    if ('error' in message) call.reject(contractErrorFrom(message.error));
    else call.resolve(message.result);
  }

  private call(method: string, args: unknown[]): Promise<unknown> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new ContractError({ code: 'connection-lost', message: LOST }));
    }
    if (method === 'setFocus') this.focus = args;
    const id = this.nextId++;
    // Trailing undefined arguments are omitted optional ones.
    while (args.length && args[args.length - 1] === undefined) args = args.slice(0, -1);
    const message: CallMessage = { id, method, args };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      socket.send(encodeWire(message));
    });
  }

  private client(): ConnectedClient {
    const methods = Object.fromEntries(
      METHODS.map((name) => [name, (...args: unknown[]) => this.call(name, args)]),
    );
    const on = <E extends EventName<ConvirtContract>>(
      event: E,
      listener: (payload: EventPayload<ConvirtContract, E>) => void,
    ) => {
      let set = this.listeners.get(event);
      if (!set) this.listeners.set(event, (set = new Set()));
      const wrapped = listener as Listener;
      set.add(wrapped);
      return () => void set.delete(wrapped);
    };
    const onConnectionChange = (listener: (s: ConnectionState, e: string | null) => void) => {
      this.stateListeners.add(listener);
      return () => void this.stateListeners.delete(listener);
    };
    return { ...methods, on, onConnectionChange } as unknown as ConnectedClient;
  }
}
