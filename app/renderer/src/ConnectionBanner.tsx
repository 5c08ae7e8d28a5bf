// Says so when the connection to ConVirt's services drops (browser mode) and while it reconnects;
// calls made meanwhile fail with a plain connection-lost error.
import { useEffect, useState } from 'react';
import type { ConnectedClient, ConnectionState } from './contract-client/index.js';

export function ConnectionBanner({
  client,
}: {
  client: Pick<ConnectedClient, 'onConnectionChange'>;
}) {
  const [state, setState] = useState<{ state: ConnectionState; error: string | null }>({
    state: 'connected',
    error: null,
  });
  useEffect(
    () => client.onConnectionChange((next, error) => setState({ state: next, error })),
    [client],
  );
  if (state.state === 'connected') return null;
  return (
    <div className="connection-banner" role="alert">
      Connection to ConVirt lost{state.error ? ` (${state.error})` : ''}. Reconnecting…
    </div>
  );
}
