// Stands in for app/renderer/src/contract-client/index.ts in fake-fleet-ui.ts's build only:
// connect() answers with the FAKE in-memory client, sized by ?hosts=N&vms=M, with ?changed=F of
// its running VMs changed per poll, each host polled every ?pollSeconds=S (spread evenly) when
// given, else a tenth of the hosts each second.
import { createFakeClient } from './fake-convirt-client.js';

export type { ConnectionState } from '../../app/shared/contract/socket-client.js';
export type ConnectedClient = ReturnType<typeof createFakeClient>;

export function connect(): Promise<ConnectedClient> {
  const search = (globalThis as { location?: { search: string } }).location?.search ?? '';
  const params = new URLSearchParams(search);
  const client = createFakeClient(
    Number(params.get('hosts') ?? 100),
    Number(params.get('vms') ?? 50),
    Number(params.get('changed') ?? 1),
    params.has('pollSeconds') ? Number(params.get('pollSeconds')) : undefined,
  );
  // fake-fleet-ui.ts reads the fleet the page shows through it (its plain-table baseline).
  Object.assign(globalThis, { fakeFleetClient: client });
  return Promise.resolve(client);
}
