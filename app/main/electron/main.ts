// The desktop shell: one locked-down window showing the renderer, the contract served to it over
// IPC, and everything that touches hosts in plain Node services elsewhere in app/main.
import { app, BrowserWindow, dialog, ipcMain, Menu, safeStorage, screen, session } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { convirtContract, type ConvirtService } from '../../shared/contract/convirt-contract.js';
import { IPC_EVENT_CHANNEL } from '../../shared/contract/ipc-channels.js';
import { ConfigError } from '../config/index.js';
import { resolveDataDir } from '../inventory/index.js';
import { openConvirt, type OpenedConvirt } from '../backend/open-convirt.js';
import { appMenuTemplate } from './app-menu.js';
import { desktopVaultProtection } from './vault-protection.js';
import { registerContractIpc } from './contract-ipc.js';
import { CONTENT_SECURITY_POLICY, secureWebPreferences } from './window-options.js';
import { readWindowState, restoreWindowState, writeWindowState } from './window-state.js';

/** How long quitting waits for the last performance points to be written. */
const QUIT_FLUSH_MS = 5000;

const distDir = join(import.meta.dirname, '..');
const rendererFile = join(distDir, 'renderer', 'index.html');
const services = new Map<number, ConvirtService>();

function createWindow(convirt: OpenedConvirt, stateFile: string): BrowserWindow {
  const placed = restoreWindowState(
    readWindowState(stateFile),
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const { maximized, ...bounds } = placed;
  const win = new BrowserWindow({
    ...bounds,
    minWidth: 640,
    minHeight: 400,
    title: 'ConVirt',
    show: false,
    webPreferences: secureWebPreferences(join(distDir, 'preload', 'index.cjs')),
  });
  if (maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  win.on('close', () =>
    writeWindowState(stateFile, { bounds: win.getNormalBounds(), maximized: win.isMaximized() }),
  );

  const contents = win.webContents;
  const id = contents.id;
  const client = convirt.backend.attach((event, payload) => {
    if (!contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, event, payload);
  });
  services.set(id, client.service);
  contents.once('destroyed', () => {
    services.delete(id);
    client.close();
  });
  void win.loadFile(rendererFile);
  return win;
}

function startFlags(): { dataDir?: string; config?: string } {
  const { values } = parseArgs({
    args: process.argv.slice(app.isPackaged ? 1 : 2),
    options: { 'data-dir': { type: 'string' }, config: { type: 'string' } },
    strict: false,
  });
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return { dataDir: text(values['data-dir']), config: text(values.config) };
}

app.enableSandbox();
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const win = BrowserWindow.getAllWindows()[0];
    if (win?.isMinimized()) win.restore();
    win?.focus();
  });
  app.on('window-all-closed', () => app.quit());
  // Every web contents, present and future: no navigation away, no new windows, no webviews.
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler((_contents, _permission, grant) =>
      grant(false),
    );
    session.defaultSession.setPermissionCheckHandler(() => false);
    session.defaultSession.webRequest.onHeadersReceived((details, respond) =>
      respond({
        responseHeaders: {
          ...details.responseHeaders,
          'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
        },
      }),
    );
    const flags = startFlags();
    const vault = desktopVaultProtection(safeStorage, process.platform);
    if (vault.refusal)
      console.warn(`Secrets are protected by a master passphrase: ${vault.refusal}`);
    let convirt: OpenedConvirt;
    try {
      convirt = openConvirt({
        dataDir: resolveDataDir(flags.dataDir ? { flag: flags.dataDir } : {}),
        ...(flags.config ? { configFile: flags.config } : {}),
        mode: 'desktop',
        version: app.getVersion(),
        localTerminal: true,
        ...(vault.protection ? { vaultProtection: vault.protection } : {}),
      });
    } catch (err) {
      // A convirt.conf with an error: say where, start nothing.
      if (!(err instanceof ConfigError)) throw err;
      dialog.showErrorBox('ConVirt cannot start', err.message);
      app.exit(2);
      return;
    }
    for (const warning of convirt.configWarnings) console.warn(`convirt.conf: ${warning}`);
    registerContractIpc(ipcMain, {
      contract: convirtContract,
      serviceFor: (id) => services.get(id),
      rendererUrl: pathToFileURL(rendererFile).href,
    });
    // Quit once the performance history's last points are written (closeAsync), or after a
    // few seconds if the disk does not answer: a window-less app must not linger.
    let closed = false;
    app.on('will-quit', (event) => {
      if (closed) return;
      event.preventDefault();
      const giveUp = new Promise<void>((resolve) => setTimeout(resolve, QUIT_FLUSH_MS));
      void Promise.race([convirt.closeAsync(), giveUp]).finally(() => {
        closed = true;
        app.quit();
      });
    });
    Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate(process.platform)));
    createWindow(convirt, join(app.getPath('userData'), 'window-state.json'));
  });
}
