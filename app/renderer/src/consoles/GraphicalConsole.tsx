// A VM's graphical console in noVNC. The RFB bytes travel over the contract (VncChannel), then
// main's tunnel to the VNC display over the host's one SSH connection.
import RFB from '@novnc/novnc';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { ConvirtClient } from '../../../shared/contract/convirt-contract.js';
import { Field } from '../common/Field.js';
import type { ConsolePhase } from './console-status.js';
import { ConsoleToolbar } from './ConsoleToolbar.js';
import { vncKeysyms } from './typed-keys.js';
import { VncChannel } from './vnc-channel.js';

interface GraphicalConsoleProps {
  client: ConvirtClient;
  host: string;
  vm: string;
  title: string;
  label: string;
  /** Opens the console again after it ended (the parent mounts a fresh view). */
  onReconnect: () => void;
}

export function GraphicalConsole({
  client,
  host,
  vm,
  title,
  label,
  onReconnect,
}: GraphicalConsoleProps) {
  const screen = useRef<HTMLDivElement>(null);
  const rfbRef = useRef<RFB | null>(null);
  const [state, setState] = useState<ConsolePhase>({ phase: 'connecting' });
  const [notice, setNotice] = useState<string | null>(null);
  const [password, setPassword] = useState('');

  useEffect(() => {
    const channel = new VncChannel(client, { host, vm });
    const rfb = new RFB(screen.current!, channel, { shared: true });
    rfb.scaleViewport = true;
    rfb.background = 'transparent';
    rfbRef.current = rfb;
    rfb.addEventListener('connect', () => setState({ phase: 'open' }));
    rfb.addEventListener('credentialsrequired', () => setState({ phase: 'password' }));
    rfb.addEventListener('securityfailure', (event) => {
      const detail = (event as CustomEvent<{ reason?: string }>).detail;
      setState({ phase: 'failed', reason: detail.reason || 'the VNC server refused the login' });
    });
    rfb.addEventListener('disconnect', (event) => {
      const clean = (event as CustomEvent<{ clean: boolean }>).detail.clean;
      setState((s) =>
        s.phase === 'failed'
          ? s
          : {
              phase: 'closed',
              reason: channel.closeReason ?? (clean ? null : `${title} was disconnected.`),
            },
      );
    });
    return () => {
      if (rfbRef.current === rfb) rfbRef.current = null;
      rfb.disconnect();
    };
  }, [client, host, vm, title]);

  const typeClipboard = async () => {
    try {
      const text = await navigator.clipboard.readText();
      for (const keysym of vncKeysyms(text)) rfbRef.current?.sendKey(keysym, null);
      setNotice(null);
    } catch {
      setNotice('The clipboard cannot be read here.');
    }
  };

  const submitPassword = (event: FormEvent) => {
    event.preventDefault();
    rfbRef.current?.sendCredentials({ password });
    setPassword('');
    setState({ phase: 'connecting' });
  };

  return (
    <>
      <ConsoleToolbar {...{ label, title, state, notice, onReconnect }}>
        <button
          type="button"
          disabled={state.phase !== 'open'}
          onClick={() => rfbRef.current?.sendCtrlAltDel()}
        >
          Send Ctrl+Alt+Del
        </button>
        <button
          type="button"
          disabled={state.phase !== 'open'}
          onClick={() => void typeClipboard()}
        >
          Type clipboard
        </button>
      </ConsoleToolbar>
      {state.phase === 'password' && (
        <form className="console-password" onSubmit={submitPassword}>
          <Field label="VNC password" layout="inline">
            {(control) => (
              <input
                {...control}
                type="password"
                autoComplete="off"
                autoFocus
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            )}
          </Field>
          <button type="submit">Send password</button>
        </form>
      )}
      <div
        className="console-screen console-display"
        ref={screen}
        role="img"
        aria-label={`Display of ${host}/${vm}`}
      />
    </>
  );
}
