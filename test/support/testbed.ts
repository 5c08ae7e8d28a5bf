// What an integration test uses to reach the test bed that test/run.ts started.
import { readFileSync } from 'node:fs';
import type { SecondKvmHostInfo } from '../bed/second-kvm-host.js';
import { TESTBED_ENV, type TestbedInfo } from '../bed/testbed.js';
import { pinnedHostKey } from '../../app/main/ssh/host-key.js';
import { SshConnection, type SshConnectionOptions } from '../../app/main/ssh/ssh-connection.js';

export function testbed(): TestbedInfo {
  const file = process.env[TESTBED_ENV];
  if (!file) {
    throw new Error(
      `${TESTBED_ENV} is not set: integration tests run through 'npm test', which starts the test bed.`,
    );
  }
  return JSON.parse(readFileSync(file, 'utf8')) as TestbedInfo;
}

/** A connection to the test bed's sshd that trusts exactly its host key. */
export function connectToTestbed(
  bed = testbed(),
  /**
   * E.g. the slow-login port, or a port where nothing answers, with a short readyTimeoutMs; the
   * benchmarks' light simulated hosts set execPath.
   */
  overrides: Partial<
    Pick<SshConnectionOptions, 'port' | 'readyTimeoutMs' | 'keepaliveIntervalMs' | 'execPath'>
  > = {},
): Promise<SshConnection> {
  return SshConnection.connect({
    host: bed.sshd.host,
    port: bed.sshd.port,
    username: bed.sshd.username,
    auth: { privateKey: readFileSync(bed.sshd.clientKeyPath) },
    verifyHostKey: pinnedHostKey(bed.sshd.hostKeyFingerprint),
    ...overrides,
  });
}

/** A connection to the test bed's second KVM host that trusts exactly its host key. */
export function connectToSecondKvmHost(second: SecondKvmHostInfo): Promise<SshConnection> {
  return SshConnection.connect({
    host: second.address,
    port: second.port,
    username: second.username,
    auth: { privateKey: readFileSync(second.clientKeyPath) },
    verifyHostKey: pinnedHostKey(second.hostKeyFingerprint),
  });
}
