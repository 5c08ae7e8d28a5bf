// A serial console or the local terminal in xterm.js: fitted to its element (the size follows
// to the host's pty), copy and paste, "Type clipboard", and output acknowledged only once xterm
// has written it, so a flood is paced by what the window can render (and written in pieces
// while it flows: paced-writes.ts).
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import type { ConvirtClient } from '../../../shared/contract/convirt-contract.js';
import { errorMessage } from '../common/errors.js';
import { ConsoleConnection, type ConsoleTarget } from './console-connection.js';
import { isEnded, type ConsolePhase } from './console-status.js';
import { pacedWrites } from './paced-writes.js';
import { ConsoleToolbar } from './ConsoleToolbar.js';
import { terminalKeystrokes } from './typed-keys.js';

interface TextConsoleProps {
  client: ConvirtClient;
  target: ConsoleTarget;
  /** "the serial console of web1/db2", for messages. */
  title: string;
  label: string;
  /** Opens the console again after it ended (the parent mounts a fresh view). */
  onReconnect: () => void;
}

export function TextConsole({ client, target, title, label, onReconnect }: TextConsoleProps) {
  const screen = useRef<HTMLDivElement>(null);
  const live = useRef<{ term: Terminal; connection: ConsoleConnection | null } | null>(null);
  const [state, setState] = useState<ConsolePhase>({ phase: 'connecting' });
  const [notice, setNotice] = useState<string | null>(null);
  // A view shows one console for its whole life: ConsoleView mounts a new one for another.
  const [opened] = useState(target);

  useEffect(() => {
    const element = screen.current!;
    const term = new Terminal({ scrollback: 10_000, cursorBlink: true });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(element);
    fit.fit();
    const session: { term: Terminal; connection: ConsoleConnection | null } = {
      term,
      connection: null,
    };
    live.current = session;
    let disposed = false;

    // The cursor blinks only while the console is quiet. xterm's DOM renderer makes a new cursor
    // at each frame with output, and each new blink animation costs a frame of its own to start:
    // a flood drew twice the frames its output needed (bench:ui --flood-trace).
    const output = pacedWrites(term, undefined, (flowing) => {
      term.options.cursorBlink = !flowing;
    });
    const encoder = new TextEncoder();
    term.onData((text) => session.connection?.send(encoder.encode(text)));
    term.onBinary((text) =>
      session.connection?.send(Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff)),
    );
    term.onResize(({ cols, rows }) => session.connection?.resize(cols, rows));
    // Ctrl+Shift+C and Ctrl+Shift+V copy and paste; plain Ctrl+C stays an interrupt.
    term.attachCustomKeyEventHandler((event) => {
      if (event.type !== 'keydown' || !event.ctrlKey || !event.shiftKey) return true;
      if (event.code === 'KeyC') {
        void copySelection(term);
        return false;
      }
      return event.code !== 'KeyV'; // the browser's own paste event reaches xterm
    });
    const observer = new ResizeObserver(() => {
      if (element.clientWidth > 0 && element.clientHeight > 0) fit.fit();
    });
    observer.observe(element);

    ConsoleConnection.open(
      client,
      opened,
      { cols: term.cols, rows: term.rows },
      {
        data: (data, done) => output.write(data, done),
        closed: (reason) => {
          output.flush();
          if (!disposed) setState({ phase: 'closed', reason });
        },
      },
    ).then(
      (connection) => {
        if (disposed) return connection.close();
        session.connection = connection;
        setState((s) => (isEnded(s) ? s : { phase: 'open' }));
        term.focus();
      },
      (err: unknown) => {
        if (!disposed) setState({ phase: 'failed', reason: errorMessage(err) });
      },
    );

    return () => {
      disposed = true;
      observer.disconnect();
      session.connection?.close();
      output.dispose();
      term.dispose();
      if (live.current === session) live.current = null;
    };
  }, [client, opened]);

  const withClipboard = async (apply: (text: string) => void) => {
    try {
      apply(await navigator.clipboard.readText());
      setNotice(null);
    } catch {
      setNotice('The clipboard cannot be read here: paste with Ctrl+Shift+V instead.');
    }
  };

  return (
    <>
      <ConsoleToolbar {...{ label, title, state, notice, onReconnect }}>
        <button type="button" onClick={() => live.current && void copySelection(live.current.term)}>
          Copy
        </button>
        <button
          type="button"
          disabled={state.phase !== 'open'}
          onClick={() => void withClipboard((text) => live.current?.term.paste(text))}
        >
          Paste
        </button>
        <button
          type="button"
          disabled={state.phase !== 'open'}
          onClick={() =>
            void withClipboard((text) => live.current?.connection?.send(terminalKeystrokes(text)))
          }
        >
          Type clipboard
        </button>
      </ConsoleToolbar>
      <div className="console-screen console-terminal" ref={screen} />
    </>
  );
}

async function copySelection(term: Terminal): Promise<void> {
  if (term.hasSelection()) await navigator.clipboard.writeText(term.getSelection());
}
