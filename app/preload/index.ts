// The preload exposes one object built from the contract (see app/shared); never raw ipcRenderer.
import { contextBridge, ipcRenderer } from 'electron';
import { convirtContract } from '../shared/contract/convirt-contract.js';
import { buildContractBridge } from './contract-bridge.js';

contextBridge.exposeInMainWorld('convirt', buildContractBridge(convirtContract, ipcRenderer));
