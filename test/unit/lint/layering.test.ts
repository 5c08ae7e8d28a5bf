// The layering rule, checked on code that breaks it (and code that keeps it).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const root = join(import.meta.dirname, '../../..');
// The snippets are not files of any tsconfig, so type-aware rules are switched off for them;
// the layering rule needs no types.
const eslint = new ESLint({ cwd: root, overrideConfig: [tseslint.configs.disableTypeChecked] });

async function layeringErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
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
