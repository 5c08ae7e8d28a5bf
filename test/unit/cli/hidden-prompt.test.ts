// convirtctl's secret prompts: what is typed is returned, line editing works, and nothing typed
// is written back to the terminal.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { askHidden, PromptCancelledError } from '../../../app/main/cli/hidden-prompt.js';

function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = '';
  output.on('data', (chunk: Buffer) => (shown += chunk.toString('utf8')));
  return { input, output, shown: () => shown };
}

test('a typed secret is returned and never echoed', async () => {
  const tty = terminal();
  const answer = askHidden(tty.input, tty.output, 'Password for root@web1: ');
  tty.input.write('s3cretX\x7f!\r'); // a backspace removes the X
  assert.equal(await answer, 's3cret!');
  assert.equal(tty.shown(), 'Password for root@web1: \n');
});

test('Ctrl-C cancels the prompt', async () => {
  const tty = terminal();
  const answer = askHidden(tty.input, tty.output, 'Passphrase: ');
  tty.input.write('half\x03');
  await assert.rejects(answer, PromptCancelledError);
  assert.ok(!tty.shown().includes('half'));
});
