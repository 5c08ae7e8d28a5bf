// The desktop shell: one window, locked down, showing the renderer. Everything that touches hosts
// lives in plain Node services elsewhere in app/main.
import { app, BrowserWindow, session } from 'electron';
import { join } from 'node:path';
import { CONTENT_SECURITY_POLICY, secureWebPreferences } from './window-options.js';

const distDir = join(import.meta.dirname, '..');

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    title: 'ConVirt',
    show: false,
    webPreferences: secureWebPreferences(join(distDir, 'preload', 'index.cjs')),
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  void win.loadFile(join(distDir, 'renderer', 'index.html'));
  return win;
}

app.enableSandbox();
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => BrowserWindow.getAllWindows()[0]?.focus());
  app.on('window-all-closed', () => app.quit());
  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler((_contents, _permission, grant) =>
      grant(false),
    );
    session.defaultSession.webRequest.onHeadersReceived((details, respond) =>
      respond({
        responseHeaders: {
          ...details.responseHeaders,
          'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
        },
      }),
    );
    createWindow();
  });
}
