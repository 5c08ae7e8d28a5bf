// About and settings: which ConVirt this is, and convirt.conf as main reads it (every value with
// the file line or default it came from), the same data as `convirtctl config show`.
import { useEffect, useState } from 'react';
import type { AppInfo } from '../../../shared/contract/convirt-contract.js';
import { describeSource, type ConfigInfo } from '../../../shared/domain/config.js';
import { useClient } from '../client-context.js';
import { ColumnHeaders } from '../common/ColumnHeaders.js';
import { ErrorBox } from '../common/ErrorBox.js';
import { errorMessage } from '../common/errors.js';

export function SettingsView() {
  const client = useClient();
  const [app, setApp] = useState<AppInfo | null>(null);
  const [config, setConfig] = useState<ConfigInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [help, setHelp] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    Promise.all([client.appInfo(), client.configInfo()])
      .then(([a, c]) => {
        if (!live) return;
        setApp(a);
        setConfig(c);
      })
      .catch((err: unknown) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [client]);
  return (
    <section className="screen" aria-labelledby="settings-title">
      <header className="screen-header">
        <h1 id="settings-title">About and settings</h1>
        <div className="actions">
          <button
            type="button"
            onClick={() => {
              setHelp(null);
              client
                .openHelp()
                .then(({ program, document }) => setHelp(`Opened ${document} with ${program}.`))
                .catch((err: unknown) => setError(errorMessage(err)));
            }}
          >
            Open the documentation
          </button>
        </div>
      </header>
      {help ? <p role="status">{help}</p> : null}
      <ErrorBox>{error}</ErrorBox>
      {app ? (
        <p>
          {app.name} {app.version} ({app.mode === 'desktop' ? 'desktop' : 'browser mode'})
        </p>
      ) : null}
      <section className="panel" aria-labelledby="config-title">
        <h2 id="config-title">convirt.conf</h2>
        {config === null ? (
          <p role="status">Loading…</p>
        ) : (
          <>
            <p>
              {config.file
                ? `Read from ${config.file}.`
                : `No convirt.conf found (looked in ${config.searched.join(', ')}): every value is a default.`}
            </p>
            {config.warnings.length > 0 ? (
              <ul aria-label="convirt.conf warnings">
                {config.warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            ) : null}
            <table aria-label="Configuration values">
              <ColumnHeaders columns={['Section', 'Key', 'Value', 'From', 'What it does']} />
              <tbody>
                {config.settings.map((s) => (
                  <tr key={s.key}>
                    <td>{s.section}</td>
                    <th scope="row">{s.key}</th>
                    <td>
                      <code>{s.value === null ? '(none)' : String(s.value)}</code>
                    </td>
                    <td>{describeSource(s.source)}</td>
                    <td>{s.summary}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>
    </section>
  );
}
