// The contract over one WebSocket: calls come in as CallMessages, answers and this client's
// events go out as ServerMessages, both through the wire codec (bytes survive the JSON), the
// results and events the contract declares a packing for packed (packed-records.ts).
import type { WebSocket } from 'ws';
import {
  contractErrorData,
  declaredPacking,
  packForWire,
  type ContractSpec,
  type EventSink,
  type ServiceOf,
} from '../../shared/contract/define.js';
import { decodeWire, encodeWire, type ServerMessage } from '../../shared/contract/wire.js';
import { dispatchCall } from './dispatch.js';

export interface ContractSession<C extends ContractSpec> {
  service: ServiceOf<C>;
  close(): void;
}

/** Serves `contract` on `socket` with a session made for it; the session closes with it. */
export function serveOverWebSocket<C extends ContractSpec>(
  socket: WebSocket,
  contract: C,
  attach: (emit: EventSink<C>) => ContractSession<C>,
): void {
  const send = (message: ServerMessage) => {
    if (socket.readyState === socket.OPEN) socket.send(encodeWire(message));
  };
  const session = attach((event, payload) => {
    let packed: unknown;
    try {
      packed = packedEvent(contract, event, payload);
    } catch {
      return; // not sent: the client sees a gap in the numbered events and fetches anew
    }
    send({ event, payload: packed });
  });
  socket.on('close', () => session.close());
  socket.on('message', (data, isBinary) => {
    // Calls are text frames; ws hands them over as one Buffer.
    const call = parseCall(isBinary || !Buffer.isBuffer(data) ? null : data.toString('utf8'));
    if (!call) {
      socket.close(1003, 'Not a contract call.');
      return;
    }
    void dispatchCall(contract, session.service, call.method, call.args).then((outcome) => {
      if ('error' in outcome) return send({ id: call.id, ...outcome });
      // A result exists only for a declared method: `method` is one of the contract's names.
      try {
        send({
          id: call.id,
          result: packForWire(contract.methods, call.method as string, outcome.result),
        });
      } catch (err) {
        send({ id: call.id, error: contractErrorData(err) });
      }
    });
  });
}

/**
 * Events are broadcast: every client's sink gets the same payload object, which is packed once
 * for all of them (a poll's event goes to each open page).
 */
const packedPayloads = new WeakMap<object, unknown>();
function packedEvent(contract: ContractSpec, event: string, payload: unknown): unknown {
  const packing = declaredPacking(contract.events, event);
  if (!packing) return payload;
  if (typeof payload !== 'object' || payload === null) return packing.pack(payload);
  let packed = packedPayloads.get(payload);
  if (packed === undefined) {
    packed = packing.pack(payload);
    packedPayloads.set(payload, packed);
  }
  return packed;
}

function parseCall(text: string | null): { id: number; method: unknown; args: unknown } | null {
  if (text === null) return null;
  let message: unknown;
  try {
    message = decodeWire(text);
  } catch {
    return null;
  }
  if (typeof message !== 'object' || message === null) return null;
  const { id, method, args } = message as Record<string, unknown>;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) return null;
  return { id, method, args };
}
