// Modules that load compiled code (.node files): bundles keep them external, and packages ship
// them in node_modules built for the runtime that loads them (Node.js or Electron).
export const NATIVE_MODULES = ['ssh2', 'cpu-features', 'better-sqlite3', 'node-pty'] as const;
