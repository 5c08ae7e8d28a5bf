// SSH questions reach the client whose call needed them, or every client when nobody asked;
// answers from others are refused; a client leaving cancels what only it could answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SecretRequest } from '../../../app/shared/contract/convirt-contract.js';
import { ContractError } from '../../../app/shared/contract/define.js';
import { SecretRequests, type SecretAsker } from '../../../app/main/backend/secret-requests.js';

function client() {
  const asked: SecretRequest[] = [];
  const asker: SecretAsker = { secretRequested: (request) => asked.push(request) };
  return { asker, asked };
}

test("a question caused by a client's call goes to that client only", async () => {
  const secrets = new SecretRequests();
  const a = client();
  const b = client();
  secrets.addClient(a.asker);
  secrets.addClient(b.asker);
  const answer = secrets.runAs(a.asker, () => secrets.askSsh('password', 'root@web1'));
  assert.equal(a.asked.length, 1);
  assert.equal(b.asked.length, 0);
  assert.deepEqual(
    { ...a.asked[0], requestId: '' },
    { requestId: '', kind: 'password', prompt: 'root@web1' },
  );
  assert.throws(() => secrets.answer(b.asker, a.asked[0]!.requestId, 'x'), ContractError);
  secrets.answer(a.asker, a.asked[0]!.requestId, 'hunter2', true);
  assert.deepEqual(await answer, { secret: 'hunter2', remember: true });
  assert.throws(() => secrets.answer(a.asker, a.asked[0]!.requestId, 'again'), ContractError);
});

test('a background question goes to every client; the first answer wins; null cancels', async () => {
  const secrets = new SecretRequests();
  const a = client();
  const b = client();
  secrets.addClient(a.asker);
  secrets.addClient(b.asker);
  const answer = secrets.askSsh('passphrase', '/home/op/.ssh/id_ed25519');
  assert.equal(a.asked[0]?.requestId, b.asked[0]?.requestId);
  assert.equal(a.asked[0]?.kind, 'passphrase');
  secrets.answer(b.asker, b.asked[0]!.requestId, null);
  assert.equal(await answer, undefined);
});

test('with nobody to ask, or when the only one asked leaves, the question is cancelled', async () => {
  const secrets = new SecretRequests();
  assert.equal(await secrets.askSsh('password', 'root@web1'), undefined);
  const a = client();
  secrets.addClient(a.asker);
  const answer = secrets.runAs(a.asker, () => secrets.askSsh('password', 'root@web1'));
  secrets.removeClient(a.asker);
  assert.equal(await answer, undefined);
});

test('work a client started that asks after it left asks the remaining clients', async () => {
  const secrets = new SecretRequests();
  const a = client();
  let askedB!: (request: SecretRequest) => void;
  const bAsked = new Promise<SecretRequest>((resolve) => (askedB = resolve));
  secrets.addClient(a.asker);
  secrets.addClient({ secretRequested: (request) => askedB(request) });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const answer = secrets.runAs(a.asker, async () => {
    await gate; // e.g. a connection retried after the client left
    return secrets.askSsh('password', 'root@web1');
  });
  secrets.removeClient(a.asker);
  release();
  const request = await bAsked;
  assert.equal(a.asked.length, 0);
  assert.equal(request.prompt, 'root@web1');
  secrets.cancelAll();
  assert.equal(await answer, undefined);
});
