import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { ErrorBoundary } from './common/ErrorBoundary.js';
import { connect } from './contract-client/index.js';

const root = createRoot(document.getElementById('root')!);

connect().then(
  (client) =>
    root.render(
      <StrictMode>
        <ErrorBoundary what="ConVirt">
          <App client={client} />
        </ErrorBoundary>
      </StrictMode>,
    ),
  (err: unknown) =>
    root.render(
      <main className="startup-error">
        <h1>ConVirt cannot reach its services</h1>
        <p role="alert">{err instanceof Error ? err.message : String(err)}</p>
      </main>,
    ),
);
