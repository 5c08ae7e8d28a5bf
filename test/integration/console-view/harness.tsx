// The page of the ConsoleView test: the real ConsoleView, with a ConvirtClient whose calls go to
// the test (Playwright bindings) and whose events the test dispatches. Bytes cross as base64.
import { createRoot } from 'react-dom/client';
import type { ConvirtClient } from '../../../app/shared/contract/convirt-contract.js';
import { ConsoleView } from '../../../app/renderer/src/consoles/ConsoleView.js';

import type {} from './harness-api.js';

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

const listeners = new Map<string, Set<(payload: unknown) => void>>();
window.harnessEmit = (event, payload) => {
  const value =
    payload.data === undefined ? payload : { ...payload, data: fromBase64(payload.data) };
  for (const listener of listeners.get(event) ?? []) listener(value);
};

const client = new Proxy({} as ConvirtClient, {
  get: (_target, name: string) => {
    if (name === 'on') {
      return (event: string, listener: (payload: unknown) => void) => {
        const set = listeners.get(event) ?? new Set();
        set.add(listener);
        listeners.set(event, set);
        return () => set.delete(listener);
      };
    }
    return (...args: unknown[]) =>
      window.harnessCall(
        name,
        args.map((a) => (a instanceof Uint8Array ? { base64: toBase64(a) } : a)),
      );
  },
});

const params = new URLSearchParams(location.search);
const host = params.get('host')!;
const vm = params.get('vm')!;
createRoot(document.getElementById('root')!).render(
  <main style={{ display: 'grid', gridTemplateRows: '1fr 1fr', height: '96vh', gap: '8px' }}>
    <ConsoleView
      client={client}
      target={{ host, vm, kind: 'serial' }}
      label={`Serial console of ${host}/${vm}`}
    />
    <ConsoleView
      client={client}
      target={{ host, vm, kind: 'graphics' }}
      label={`Graphical console of ${host}/${vm}`}
    />
  </main>,
);
