// Which layer may import what (docs/architecture.md, "Layering"):
// - app/shared: the contract. Nothing from Node, the DOM runtime, Electron, React or other layers.
// - app/renderer: the page. No Node, no Electron, nothing from main or preload.
// - app/preload: Electron and the contract only.
// - electron: only app/main/electron and app/preload.
// - inside app/main: main's folders in layers (eslint/main-layers.js).
// - no import cycles among the project's own files.
import { builtinModules } from 'node:module';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import { mainLayersPlugin } from './main-layers.js';

// A regex over the whole specifier: as a gitignore-style group, a builtin such as 'domain' would
// also match a relative path segment ('../domain/host.js').
const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('_'));
const nodeBuiltinRegex = `^(node:.*|(${nodeBuiltins.join('|')})(/.*)?)$`;
const electron = {
  name: 'electron',
  message: 'Only app/main/electron/ and app/preload/ may import electron.',
};
// A regex, not a gitignore-style group: 'electron' as a group would also match app/main/electron.
const electronPattern = { regex: '^electron(/.*)?$', message: electron.message };

function restrict(paths, patterns) {
  return ['error', { paths, patterns }];
}

function nodePattern(layer) {
  return {
    regex: nodeBuiltinRegex,
    message: `${layer} runs without Node: keep Node modules in app/main.`,
  };
}

function layerPattern(layers, from) {
  return {
    group: layers.flatMap((l) => [`**/${l}/**`, `**/${l}`]),
    message: `${from} must not import from ${layers.join(' or ')}.`,
  };
}

export const layeringConfigs = [
  {
    // Everything outside the two Electron folders.
    files: ['**/*.{ts,tsx,js}'],
    ignores: ['app/main/electron/**', 'app/preload/**'],
    rules: { 'no-restricted-imports': restrict([electron], [electronPattern]) },
  },
  {
    files: ['app/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        [electron, { name: 'react', message: 'The contract has no UI code.' }],
        [
          electronPattern,
          nodePattern('app/shared'),
          layerPattern(['main', 'renderer', 'preload'], 'app/shared'),
        ],
      ),
    },
  },
  {
    files: ['app/renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': restrict(
        [electron],
        [
          electronPattern,
          nodePattern('app/renderer'),
          layerPattern(['main', 'preload'], 'app/renderer'),
        ],
      ),
    },
  },
  {
    files: ['app/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([], [layerPattern(['main', 'renderer'], 'app/preload')]),
    },
  },
  {
    files: ['app/main/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        [electron],
        [electronPattern, layerPattern(['renderer', 'preload'], 'app/main')],
      ),
    },
  },
  {
    // main/electron may import electron, but still not the page.
    files: ['app/main/electron/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        [],
        [layerPattern(['renderer', 'preload'], 'app/main/electron')],
      ),
    },
  },
  {
    files: ['app/main/**/*.{ts,tsx}'],
    plugins: { convirt: mainLayersPlugin },
    rules: { 'convirt/main-layers': 'error' },
  },
  {
    // Type-only imports are left out (they vanish at run time); packages are not followed.
    files: ['**/*.{ts,tsx}'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.tsx', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/resolver-next': [createTypeScriptImportResolver()],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
];
