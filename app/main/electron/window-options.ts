// Electron's security checklist, in one place, so a test can assert it.
import type { WebPreferences } from 'electron';
import { contentSecurityPolicy } from '../security/content-security-policy.js';

export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  };
}

/** The page may load only its own files; no inline scripts, no remote content. */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();
