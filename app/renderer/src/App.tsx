import { APP_INFO } from '../../shared/app-info.js';
import { useFleetStore } from './fleet-store.js';

export function App() {
  const hosts = useFleetStore((s) => s.hosts);
  return (
    <main aria-label="Fleet">
      <h1>{APP_INFO.name}</h1>
      <p>{APP_INFO.description}</p>
      {hosts.length === 0 ? <p role="status">No hosts yet.</p> : null}
    </main>
  );
}
