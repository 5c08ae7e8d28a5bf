// Opens a verified SSH connection to a host the way `ssh NAME` would: ~/.ssh/config (HostName,
// Port, User, IdentityFile, ProxyJump), then ssh-agent, key files or a password, with the host key
// checked against known_hosts and ConVirt's own store before any credential is sent.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
// ssh2 is CommonJS and its `utils` is not visible as a named ESM export.
import ssh2 from 'ssh2';
import type { HostKeyTrust, VerifierOptions } from '../ssh/host-key-trust.js';
import { resolveJumpChain, type ResolvedSshHost, type SshConfig } from '../ssh/ssh-config.js';
import { SshConnection, type SshAuth } from '../ssh/ssh-connection.js';
import type { AuthMethod } from '../inventory/index.js';

/** Where to connect, as the operator entered it (the inventory's host fields). */
export interface HostEndpoint {
  address: string;
  port?: number;
  username?: string;
  authMethod?: AuthMethod;
  identityFile?: string | null;
}

/** Questions that only the operator can answer, asked through the contract. */
export interface Prompts {
  passphrase?(keyFile: string): Promise<string | undefined>;
  password?(target: string): Promise<string | undefined>;
}

export interface ConnectorOptions {
  trust: HostKeyTrust;
  sshConfig?: SshConfig;
  prompts?: Prompts;
  env?: NodeJS.ProcessEnv;
  readFile?: (path: string) => Buffer;
}

export class KeyFileError extends Error {
  constructor(file: string, reason: string) {
    super(`Cannot use the key ${file}: ${reason}`);
    this.name = 'KeyFileError';
  }
}

/** The connection target and its jump hosts, `ssh -J` order (first hop first). */
export function resolveRoute(endpoint: HostEndpoint, sshConfig?: SshConfig): ResolvedSshHost[] {
  const localUser = userInfo().username;
  if (!sshConfig) {
    return [
      {
        alias: endpoint.address,
        hostName: endpoint.address,
        port: endpoint.port ?? 22,
        user: endpoint.username ?? localUser,
        identityFiles: endpoint.identityFile ? [endpoint.identityFile] : [],
        defaultIdentityFiles: [],
        identitiesOnly: false,
        proxyJump: null,
        proxyCommand: null,
      },
    ];
  }
  const ctx = {
    localUser,
    ...(endpoint.username ? { user: endpoint.username } : {}),
    ...(endpoint.port ? { port: endpoint.port } : {}),
  };
  const chain = resolveJumpChain(sshConfig, endpoint.address, ctx);
  const target = chain.at(-1)!;
  if (endpoint.identityFile)
    target.identityFiles = [endpoint.identityFile, ...target.identityFiles];
  return chain;
}

export class HostConnector {
  constructor(private readonly options: ConnectorOptions) {}

  private async keyAuth(hop: ResolvedSshHost): Promise<SshAuth> {
    const read = this.options.readFile ?? readFileSync;
    const files = hop.identityFiles.length ? hop.identityFiles : hop.defaultIdentityFiles;
    for (const file of files) {
      let key: Buffer;
      try {
        key = read(file);
      } catch {
        continue; // default files that do not exist are normal
      }
      const parsed = ssh2.utils.parseKey(key);
      if (!(parsed instanceof Error)) return { privateKey: key };
      if (!/passphrase/i.test(parsed.message)) throw new KeyFileError(file, parsed.message);
      const passphrase = await this.options.prompts?.passphrase?.(file);
      if (passphrase === undefined)
        throw new KeyFileError(file, 'it is encrypted and no passphrase was given');
      const unlocked = ssh2.utils.parseKey(key, passphrase);
      if (unlocked instanceof Error) throw new KeyFileError(file, 'wrong passphrase');
      return { privateKey: key, passphrase };
    }
    throw new KeyFileError(files.join(', ') || '(none)', 'no readable key file');
  }

  private async auth(hop: ResolvedSshHost, method: AuthMethod): Promise<SshAuth> {
    const env = this.options.env ?? process.env;
    if (method === 'password') {
      const password = await this.options.prompts?.password?.(`${hop.user}@${hop.hostName}`);
      if (password === undefined)
        throw new Error(`A password is needed for ${hop.user}@${hop.hostName}.`);
      return { password };
    }
    if (method === 'agent') {
      const agent = env.SSH_AUTH_SOCK;
      // Without an agent, fall back to the key files, as ssh does.
      if (agent) {
        const keys = await this.keyAuth(hop).catch(() => ({}));
        return { agent, ...keys };
      }
    }
    return this.keyAuth(hop);
  }

  /**
   * Connects to the endpoint through its jump hosts. `verify` applies to the target; jump hosts
   * must already be trusted (their keys are checked the same way, without confirmation).
   */
  async connect(endpoint: HostEndpoint, verify: VerifierOptions = {}): Promise<SshConnection> {
    const route = resolveRoute(endpoint, this.options.sshConfig);
    for (const hop of route) {
      if (hop.proxyCommand) {
        throw new Error(`${hop.alias} uses ProxyCommand, which ConVirt cannot run; use ProxyJump.`);
      }
    }
    const opened: SshConnection[] = [];
    try {
      let previous: SshConnection | undefined;
      for (const [i, hop] of route.entries()) {
        const isTarget = i === route.length - 1;
        const method = isTarget ? (endpoint.authMethod ?? 'agent') : 'agent';
        const sock = previous ? await previous.openTunnel(hop.hostName, hop.port) : undefined;
        previous = await SshConnection.connect({
          host: hop.hostName,
          port: hop.port,
          username: hop.user,
          auth: await this.auth(hop, method),
          verifyHostKey: this.options.trust.verifier(isTarget ? verify : {}),
          ...(sock ? { sock } : {}),
        });
        opened.push(previous);
      }
      // Jump hosts live exactly as long as the connection that goes through them.
      const target = previous!;
      target.onClose(() => opened.slice(0, -1).forEach((c) => c.close()));
      return target;
    } catch (err) {
      for (const c of opened) c.close();
      throw err;
    }
  }
}
