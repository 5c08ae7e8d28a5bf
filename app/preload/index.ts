// The preload exposes one object built from the contract (see app/shared); never raw ipcRenderer.
import { contextBridge } from 'electron';
import { APP_INFO } from '../shared/app-info.js';

contextBridge.exposeInMainWorld('convirt', { appInfo: APP_INFO });
