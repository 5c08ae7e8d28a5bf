// The layering rules, checked on code that breaks them (and code that keeps them).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const root = join(import.meta.dirname, '../../..');
const fixtures = join(root, 'test/unit/lint/fixtures');
// The snippets are not files of any tsconfig, so type-aware rules are switched off for them;
// the layering rules need no types. The fixtures are skipped by `npm run lint` (their cycle is
// deliberate), so ignore patterns are off here.
const eslint = new ESLint({
  cwd: root,
  ignore: false,
  overrideConfig: [tseslint.configs.disableTypeChecked],
});

async function ruleErrors(ruleId: string, file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return result!.messages.filter((m) => m.ruleId === ruleId).map((m) => m.message);
}

const layeringErrors = (file: string, code: string) =>
  ruleErrors('no-restricted-imports', file, code);
const mainLayerErrors = (file: string, code: string) =>
  ruleErrors('convirt/main-layers', file, code);

async function cycleErrors(fixture: string): Promise<string[]> {
  const [result] = await eslint.lintFiles([join(fixtures, fixture)]);
  return result!.messages.filter((m) => m.ruleId === 'import-x/no-cycle').map((m) => m.message);
}

test('app/shared may not import Node modules', async () => {
  for (const mod of ['node:fs', 'fs', 'node:child_process', 'path']) {
    const errors = await layeringErrors(
      'app/shared/x.ts',
      `import * as m from '${mod}';\nexport const y = m;\n`,
    );
    assert.equal(errors.length, 1, mod);
    assert.match(errors[0]!, /without Node/);
  }
});

test('only app/main/electron and app/preload may import electron', async () => {
  const code = "import { app } from 'electron';\nexport const a = app;\n";
  for (const file of [
    'app/main/ssh/x.ts',
    'app/shared/x.ts',
    'app/renderer/x.ts',
    'test/unit/x.test.ts',
  ]) {
    const errors = await layeringErrors(file, code);
    assert.ok(
      errors.some((e) => /Only app\/main\/electron/.test(e)),
      file,
    );
  }
  const subpath = "import { app } from 'electron/main';\nexport const a = app;\n";
  assert.equal((await layeringErrors('app/main/ssh/x.ts', subpath)).length, 1);
  // A folder named electron is not the electron package.
  const folder =
    "import * as w from '../../app/main/electron/window-options.js';\nexport const x = w;\n";
  assert.deepEqual(await layeringErrors('test/unit/x.test.ts', folder), []);
  for (const file of ['app/main/electron/x.ts', 'app/preload/x.ts']) {
    assert.deepEqual(await layeringErrors(file, code), [], file);
  }
});

test('the page and the contract may not reach into main', async () => {
  const code =
    "import { Virsh } from '../main/hypervisors/kvm/virsh.js';\nexport const v = Virsh;\n";
  assert.equal((await layeringErrors('app/renderer/x.ts', code)).length, 1);
  assert.equal((await layeringErrors('app/shared/x.ts', code)).length, 1);
  assert.equal(
    (await layeringErrors('app/renderer/x.ts', "import fs from 'node:fs';\nexport const f = fs;\n"))
      .length,
    1,
  );
});

test('code that keeps the layering passes', async () => {
  assert.deepEqual(
    await layeringErrors(
      'app/main/x.ts',
      "import { APP_INFO } from '../shared/app-info.js';\nexport const i = APP_INFO;\n",
    ),
    [],
  );
  assert.deepEqual(
    await layeringErrors('app/main/x.ts', "import fs from 'node:fs';\nexport const f = fs;\n"),
    [],
  );
});

test('a folder of main may not import from a higher layer', async () => {
  const breaches: [file: string, code: string, target: string][] = [
    ['app/main/ssh/x.ts', "import { d } from '../hypervisors/driver.js';", 'hypervisors'],
    ['app/main/hypervisors/kvm/x.ts', "import { f } from '../../fleet/f.js';", 'fleet'],
    ['app/main/inventory/x.ts', "import { t } from '../templates/t.js';", 'templates'],
    ['app/main/fleet/x.ts', "import { b } from '../backend/b.js';", 'backend'],
    ['app/main/provisioning/x.ts', "import { b } from '../backend/b.js';", 'backend'],
    ['app/main/backend/x.ts', "import { c } from '../cli/c.js';", 'cli'],
    // A type couples the lower folder to the higher one just as well.
    ['app/main/secrets/x.ts', "import type { P } from '../fleet/p.js';", 'fleet'],
    ['app/main/templates/x.ts', "export { b } from '../backend/b.js';", 'backend'],
    ['app/main/backend/x.ts', "export const e = () => import('../electron/e.js');", 'electron'],
  ];
  for (const [file, code, target] of breaches) {
    const errors = await mainLayerErrors(file, `${code}\n`);
    assert.equal(errors.length, 1, `${file}: ${code}`);
    assert.match(errors[0]!, new RegExp(`must not import from app/main/${target}:`));
  }
});

test('imports within a layer and down the layers pass', async () => {
  const legal: [file: string, code: string][] = [
    ['app/main/backend/x.ts', "import { s } from '../ssh/s.js';"],
    ['app/main/backend/x.ts', "import { t } from '../templates/t.js';"],
    ['app/main/backend/x.ts', "import { a } from './api/a.js';"],
    ['app/main/templates/x.ts', "import { p } from '../provisioning/p.js';"],
    ['app/main/hypervisors/kvm/x.ts', "import { v } from './v.js';"],
    ['app/main/cli/x.ts', "import { b } from '../backend/b.js';"],
    ['app/main/cli/x.ts', "import { APP_INFO } from '../../shared/app-info.js';"],
    ['app/main/ssh/x.ts', "import { c } from '../config/c.js';"],
  ];
  for (const [file, code] of legal) {
    assert.deepEqual(await mainLayerErrors(file, `${code}\nexport const y = 1;\n`), [], code);
  }
});

test('a new folder of main must be given a layer', async () => {
  const errors = await mainLayerErrors('app/main/newfolder/x.ts', 'export const y = 1;\n');
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /app\/main\/newfolder has no place in main's layers/);
});

test('an import cycle fails lint; an import onto a cycle or a type imported back does not', async () => {
  const errors = await cycleErrors('cycle-a.ts');
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /Dependency cycle/);
  assert.deepEqual(await cycleErrors('outside-cycle.ts'), []);
  assert.deepEqual(await cycleErrors('type-back.ts'), []);
});
