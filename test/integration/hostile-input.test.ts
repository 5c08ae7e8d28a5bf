// Hostile text against a real host: every text field of every contract method (found by walking
// the declared schemas, test/support/hostile-input.ts) gets every payload, then 10,000 generated
// hostile strings, through browser mode's real WebSocket into a backend whose host is the test
// bed's sshd with a real VM. Each payload would create a canary file on the host if anything ran
// it. Checked after every call: the canary does not exist, a refusal is a ContractError with a
// plain message (no crash), and the inventory is what it was (labels, which may hold any
// printable text, are checked stored verbatim and then put back).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { KvmDriver } from '../../app/main/hypervisors/kvm/kvm-driver.js';
import {
  convirtContract,
  type ConvirtContract,
} from '../../app/shared/contract/convirt-contract.js';
import { ContractError, ERROR_CODES } from '../../app/shared/contract/define.js';
import type { Schema } from '../../app/shared/contract/schema.js';
import type { SocketClient } from '../../app/shared/contract/socket-client.js';
import type { Task } from '../../app/shared/domain/inventory.js';
import {
  contractClient,
  signIn,
  startTestBrowserMode,
  type TestBrowserMode,
} from '../support/browser-mode.js';
import {
  argsWithText,
  DOT_NAMES,
  hostilePayloads,
  hostileText,
  slotName,
  textSlots,
  type TextSlot,
} from '../support/hostile-input.js';
import { connectToTestbed, testbed } from '../support/testbed.js';
import { defineTinyVm, removeVm } from '../support/tiny-vm.js';

const bed = testbed();
const CANARY = join(bed.runDir, 'hostile-canary');
const HOST = 'tb';
const VM = `${bed.prefix}hostile`;
const GENERATED = 10_000;
/** Internal failures that must never reach a client as an answer. */
const CRASH =
  /TypeError|ReferenceError|RangeError|SyntaxError|Cannot read prop|is not a function|\n\s+at /;

type Client = SocketClient<ConvirtContract>;
type Call = (...args: unknown[]) => Promise<unknown>;

test(
  `every text field, every payload, then ${GENERATED} generated hostile strings, against a real host`,
  { timeout: 1_500_000 },
  async (t) => {
    const ssh = await connectToTestbed(bed);
    const virsh = new KvmDriver(ssh);
    const disk = await defineTinyVm(ssh, bed, VM, 'hostile');
    const held: { server?: TestBrowserMode; client?: Client } = {};
    t.after(async () => {
      try {
        held.client?.disconnect();
        await held.server?.stop();
        await removeVm(virsh, VM);
        await ssh.run(['rm', '-f', disk, CANARY]);
      } finally {
        ssh.close();
      }
    });
    const server = (held.server = await startTestBrowserMode());
    const client = (held.client = await contractClient(server, await signIn(server)));
    // Registering a template with a header asks for the secret store's master passphrase.
    client.on('secretRequested', (request) => {
      // The question may be gone by the time the answer arrives: nothing to answer then.
      client.answerSecret(request.requestId, 'hostile campaign passphrase').catch(() => undefined);
    });
    await client.addHost({
      name: HOST,
      address: bed.sshd.host,
      port: bed.sshd.port,
      username: bed.sshd.username,
      authMethod: 'key',
      identityFile: bed.sshd.clientKeyPath,
      acceptFingerprint: bed.sshd.hostKeyFingerprint,
    });
    // A pool for renameGroup to aim at (id 1), and the VM polled, so VM calls reach the host.
    const pool = await client.createGroup('campaign', null);
    assert.equal(pool.id, 1);
    for (let i = 0; !(await client.getFleet()).vms.some((v) => v.name === VM); i++) {
      assert.ok(i < 120, 'the VM never showed in a poll');
      await client.refreshHost(HOST);
      await new Promise((r) => setTimeout(r, 500));
    }

    const harmlessValues = [
      HOST,
      bed.sshd.hostKeyFingerprint,
      `${bed.downloads.http}/hostile-campaign.iso`,
      'X-Campaign:1',
      'sha256:' + 'a'.repeat(64),
      '/var/lib/libvirt/images/hostile-campaign.iso',
    ];
    const harmless = (schema: Schema<unknown>, key: string | number) =>
      (key === 'vm' ? [VM] : harmlessValues).find((value) => {
        try {
          schema.parse(value, 'x');
          return true;
        } catch {
          return false;
        }
      });

    /** What must not change: the inventory as the clients see it, and the host's settings. */
    async function inventory(): Promise<string> {
      const fleet = await client.getFleet();
      return JSON.stringify({
        groups: fleet.groups.map(({ createdAt: _, ...g }) => g),
        hosts: fleet.hosts.map(
          ({ status: _s, error: _e, facts: _f, polledAt: _p, updatedAt: _u, ...h }) => h,
        ),
        vms: fleet.vms.map((v) => ({ host: v.host, name: v.name, tags: v.tags })),
        templates: await client.listTemplates(),
        certificates: await client.listCertificates(),
        isoSettings: await client.isoSettings(HOST),
      });
    }
    const original = await inventory();
    const isoDir = (await client.isoSettings(HOST)).dir;

    /**
     * Calls that store what they are given as data, when they accept it: checked stored verbatim
     * (labels trimmed, as the inventory stores every label), then put back.
     */
    const putBack: Partial<
      Record<string, (args: unknown[], text: string, result: unknown) => Promise<void>>
    > = {
      createGroup: async (_args, text, result) => {
        const group = result as { id: number; name: string };
        assert.equal(group.name, text.trim());
        await client.deleteGroup(group.id);
      },
      renameGroup: async (_args, text) => {
        assert.equal((await client.getFleet()).groups.find((g) => g.id === 1)?.name, text.trim());
        await client.renameGroup(1, 'campaign');
      },
      setHostTags: async (_args, text) => {
        const host = (await client.getFleet()).hosts.find((h) => h.name === HOST);
        assert.deepEqual(host?.tags, [text.trim()]);
        await client.setHostTags(HOST, []);
      },
      setVmTags: async (_args, text) => {
        const vm = (await client.getFleet()).vms.find((v) => v.name === VM);
        assert.deepEqual(vm?.tags, [text.trim()]);
        await client.setVmTags({ host: HOST, vm: VM }, []);
      },
      isoSettings: async (_args, text) => {
        assert.equal((await client.isoSettings(HOST)).dir, text);
        await client.isoSettings(HOST, { dir: isoDir });
      },
      registerTemplate: async (args) => {
        // A failed registration may have removed its record already.
        const { name } = args[0] as { name: string };
        if ((await client.listTemplates()).some((tpl) => tpl.name === name)) {
          await client.removeTemplate(name);
        }
      },
    };

    const outcomes = new Map<string, Map<string, number>>();
    let calls = 0;
    const note = (slot: TextSlot, outcome: string) => {
      const byOutcome = outcomes.get(slot.method) ?? new Map<string, number>();
      byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
      outcomes.set(slot.method, byOutcome);
    };

    async function attack(slot: TextSlot, text: string): Promise<void> {
      calls++;
      const args = argsWithText(
        convirtContract.methods[slot.method as keyof ConvirtContract['methods']],
        slot,
        text,
        harmless,
      );
      const what = `${slotName(slot)} ${JSON.stringify(text.slice(0, 120))}`;
      let result: unknown;
      let error: unknown = null;
      try {
        result = await (client as unknown as Record<string, Call>)[slot.method]!(...args);
      } catch (err) {
        error = err;
      }
      if (error !== null) {
        assert.ok(
          error instanceof ContractError,
          `${what}: not a contract error: ${(error as Error).message}`,
        );
        assert.ok(ERROR_CODES.includes(error.data.code), what);
        assert.ok(error.message.length > 0, what);
        assert.doesNotMatch(error.message, CRASH, what);
        note(slot, error.data.code);
      } else {
        note(slot, 'accepted');
        const task = result as Partial<Task> | undefined;
        if (task && typeof task.id === 'string' && typeof task.status === 'string') {
          const ended = await client.waitForTask(task.id);
          note(slot, `task ${ended.task.status}`);
        }
        await putBack[slot.method]?.(args, text, result);
      }
      assert.equal(existsSync(CANARY), false, `${what} created the canary`);
      // A refusal of the arguments happens before the service runs: nothing to compare.
      if (error instanceof ContractError && error.data.code === 'invalid-input' && calls % 200) {
        return;
      }
      assert.equal(await inventory(), original, `${what} changed the inventory`);
    }

    const slots = textSlots(convirtContract);
    for (const slot of slots) {
      for (const payload of [...hostilePayloads(CANARY), ...DOT_NAMES]) await attack(slot, payload);
    }
    const fixed = calls;
    // Half of them after a value the field accepts, to get past its first checks.
    const hostileCall = fc
      .constantFrom(...slots)
      .chain((slot) =>
        hostileText(CANARY, harmless(slot.schema, slot.path.at(-1)!) ?? '').map(
          (text) => [slot, text] as const,
        ),
      );
    await fc.assert(
      fc.asyncProperty(hostileCall, ([slot, text]) => attack(slot, text)),
      {
        numRuns: GENERATED,
        seed: 17,
        endOnFailure: true,
      },
    );
    const onHost = await ssh.run([
      'sh',
      '-c',
      'test -e "$1" && echo present || echo absent',
      'sh',
      CANARY,
    ]);
    assert.equal(onHost.trim(), 'absent');
    assert.equal(await inventory(), original);

    const methods = new Set(slots.map((s) => s.method));
    assert.deepEqual([...outcomes.keys()].sort(), [...methods].sort(), 'every method was attacked');
    t.diagnostic(
      `${fixed} fixed payload calls + ${calls - fixed} generated, ${methods.size} methods, ${slots.length} text fields`,
    );
    for (const [method, byOutcome] of [...outcomes].sort()) {
      t.diagnostic(`${method}: ${[...byOutcome].map(([o, n]) => `${o} ${n}`).join(', ')}`);
    }
  },
);
