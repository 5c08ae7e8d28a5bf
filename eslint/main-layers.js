// Layering inside app/main (docs/architecture.md, "Layers inside main"): main's folders from the
// bottom up. A folder may import from its own layer and from the layers below it, never from a
// layer above; folders of one layer may import each other, and the import-cycle rule keeps that
// acyclic. A folder missing from the list is reported, so a new folder gets a place on purpose.
//
// The rule judges the import's path, not the resolved module, so it needs no resolver and treats
// an import of a file that does not exist (yet) like any other.
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

export const mainLayers = [
  // Know nothing of hosts or of the rest of main: settings, the page's Content Security Policy,
  // and the contract's dispatcher (it serves whatever implementation it is handed).
  ['config', 'security', 'contract-server'],
  ['ssh'],
  ['hypervisors'],
  ['guest-agent'],
  // Stores on this machine.
  ['inventory', 'secrets', 'image-store'],
  ['tasks'],
  ['fleet'],
  ['templates', 'provisioning', 'consoles', 'migration'],
  // Subscriptions to signed image lists: they register their images as templates.
  ['image-lists'],
  ['backend'],
  // Front ends.
  ['cli', 'browser-mode', 'electron'],
];

const mainRoot = join(import.meta.dirname, '..', 'app', 'main');
const layerOf = new Map(mainLayers.flatMap((folders, layer) => folders.map((f) => [f, layer])));

// The folder of app/main a path lies in, or null for a path outside main's folders.
function mainFolder(path) {
  const inMain = relative(mainRoot, path);
  if (inMain.startsWith('..') || isAbsolute(inMain) || !inMain.includes(sep)) return null;
  return inMain.split(sep)[0];
}

const mainLayersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'A folder of app/main imports only from its own layer or lower ones.' },
    schema: [],
    messages: {
      upward:
        'app/main/{{from}} must not import from app/main/{{to}}: {{to}} is a higher layer (see mainLayers in eslint/main-layers.js).',
      unplaced:
        "app/main/{{from}} has no place in main's layers: add it to mainLayers in eslint/main-layers.js and to docs/architecture.md.",
    },
  },
  create(context) {
    const from = mainFolder(context.physicalFilename);
    if (from === null) return {};
    const fromLayer = layerOf.get(from);
    if (fromLayer === undefined) {
      return {
        Program(node) {
          context.report({ node, messageId: 'unplaced', data: { from } });
        },
      };
    }
    function check(source) {
      if (source?.type !== 'Literal' || typeof source.value !== 'string') return;
      if (!source.value.startsWith('.')) return;
      const to = mainFolder(resolve(dirname(context.physicalFilename), source.value));
      const toLayer = to === null ? undefined : layerOf.get(to);
      if (toLayer !== undefined && toLayer > fromLayer) {
        context.report({ node: source, messageId: 'upward', data: { from, to } });
      }
    }
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
    };
  },
};

export const mainLayersPlugin = { rules: { 'main-layers': mainLayersRule } };
