// An installed Electron used only as a window on the browser-mode server that the distribution's
// Node.js runs (`electron electron-window.cjs URL`): the main process stays on Node, so the
// native modules need to match only Node's ABI, not this Electron's.
// eslint-disable-next-line no-restricted-imports -- an Electron main process of its own (a window shell for the installed package), shipped by packaging rather than app/main
import { app, BrowserWindow } from 'electron';
import { secureWebPreferences } from '../../app/main/electron/window-options.js';

const url = process.argv.find((arg) => /^http:\/\/127\.0\.0\.1:\d+\//.test(arg));
if (!url) {
  console.error('usage: electron electron-window.cjs http://127.0.0.1:PORT/?token=...');
  app.exit(2);
} else {
  const origin = new URL(url).origin;
  // The page gets no preload: it talks to the server over its WebSocket, as in a browser.
  const webPreferences = { ...secureWebPreferences(''), preload: undefined };
  app.enableSandbox();
  app.on('window-all-closed', () => app.quit());
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, target) => {
      if (new URL(target).origin !== origin) event.preventDefault();
    });
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  void app.whenReady().then(() => {
    const win = new BrowserWindow({ width: 1280, height: 800, title: 'ConVirt', webPreferences });
    void win.loadURL(url);
  });
}
