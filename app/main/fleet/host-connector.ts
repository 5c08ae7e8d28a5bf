// Opens a verified SSH connection to a host the way `ssh NAME` would: ~/.ssh/config (HostName,
// Port, User, IdentityFile, ProxyJump), then ssh-agent, key files or a password, with the host key
// checked against known_hosts and ConVirt's own store before any credential is sent.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
// ssh2 is CommonJS and its `utils` is not visible as a named ESM export.
import ssh2 from 'ssh2';
import type { HostKeyTrust, VerifierOptions } from '../ssh/host-key-trust.js';
import { resolveJumpChain, type ResolvedSshHost, type SshConfig } from '../ssh/ssh-config.js';
import { ChannelLimiter } from '../ssh/channel-limiter.js';
import { SshConnection, type SshAuth, type SshConnectionOptions } from '../ssh/ssh-connection.js';
import type { AuthMethod } from '../inventory/index.js';
import type { Prompts } from '../ssh/prompts.js';

/** Where to connect, as the operator entered it (the inventory's host fields). */
export interface HostEndpoint {
  address: string;
  port?: number;
  username?: string;
  authMethod?: AuthMethod;
  identityFile?: string | null;
}

/** ssh2's words when the server refused every credential offered. */
const AUTHENTICATION_FAILED = /authentication methods failed/i;

export interface ConnectorOptions {
  trust: HostKeyTrust;
  sshConfig?: SshConfig;
  prompts?: Prompts;
  env?: NodeJS.ProcessEnv;
  readFile?: (path: string) => Buffer;
  /** SSH handshakes started at once (default 8); each holds its slot for 2 s at most. */
  handshakeSlots?: number;
  /** The port of an endpoint that names none, unless ~/.ssh/config does (default 22). */
  defaultPort?: number;
  /** convirt.conf's exec_path: the PATH of every command run on the hosts. */
  execPath?: string;
  /** Opens one SSH connection (tests replace it). */
  connect?: (options: SshConnectionOptions) => Promise<SshConnection>;
}

/** A slow or silent host gives its handshake slot up after this, so it delays others only so long. */
const HANDSHAKE_SLOT_MS = 2_000;

export class KeyFileError extends Error {
  constructor(file: string, reason: string) {
    super(`Cannot use the key ${file}: ${reason}`);
    this.name = 'KeyFileError';
  }
}

/** The connection target and its jump hosts, `ssh -J` order (first hop first). */
export function resolveRoute(
  endpoint: HostEndpoint,
  sshConfig?: SshConfig,
  defaultPort = 22,
): ResolvedSshHost[] {
  const localUser = userInfo().username;
  if (!sshConfig) {
    return [
      {
        alias: endpoint.address,
        hostName: endpoint.address,
        port: endpoint.port ?? defaultPort,
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
    defaultPort,
    ...(endpoint.username ? { user: endpoint.username } : {}),
    ...(endpoint.port ? { port: endpoint.port } : {}),
  };
  const chain = resolveJumpChain(sshConfig, endpoint.address, ctx);
  const target = chain.at(-1)!;
  if (endpoint.identityFile)
    target.identityFiles = [endpoint.identityFile, ...target.identityFiles];
  return chain;
}

/** Whose password it is: `user@host`, as ssh says it. */
function passwordTarget(hop: ResolvedSshHost): string {
  return `${hop.user}@${hop.hostName}`;
}

export class HostConnector {
  /** A fleet connects a few hosts at a time, not a hundred handshakes at once. */
  private readonly handshakes: ChannelLimiter;

  constructor(private readonly options: ConnectorOptions) {
    this.handshakes = new ChannelLimiter(options.handshakeSlots ?? 8);
  }

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
      const prompts = this.options.prompts;
      for (;;) {
        const passphrase = await prompts?.passphrase?.(file);
        if (passphrase === undefined)
          throw new KeyFileError(file, 'it is encrypted and no passphrase was given');
        const unlocked = ssh2.utils.parseKey(key, passphrase);
        if (!(unlocked instanceof Error)) return { privateKey: key, passphrase };
        // A kept passphrase that no longer opens the key is asked again, once per kept one.
        if (!prompts?.rejected?.('passphrase', file))
          throw new KeyFileError(file, 'wrong passphrase');
      }
    }
    throw new KeyFileError(files.join(', ') || '(none)', 'no readable key file');
  }

  private async auth(hop: ResolvedSshHost, method: AuthMethod): Promise<SshAuth> {
    const env = this.options.env ?? process.env;
    if (method === 'password') {
      const password = await this.options.prompts?.password?.(passwordTarget(hop));
      if (password === undefined)
        throw new Error(`A password is needed for ${passwordTarget(hop)}.`);
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

  /** One hop; a kept password the host refuses is forgotten and asked again (once). */
  private async connectHop(
    hop: ResolvedSshHost,
    method: AuthMethod,
    verify: VerifierOptions,
    through: SshConnection | undefined,
  ): Promise<SshConnection> {
    const connect =
      this.options.connect ?? ((options: SshConnectionOptions) => SshConnection.connect(options));
    for (;;) {
      // Prompts for a passphrase or password are answered before taking a handshake slot.
      const auth = await this.auth(hop, method);
      const sock = through ? await through.openTunnel(hop.hostName, hop.port) : undefined;
      try {
        return await this.handshakes.runStaggered(
          () =>
            connect({
              host: hop.hostName,
              port: hop.port,
              username: hop.user,
              auth,
              verifyHostKey: this.options.trust.verifier(verify),
              ...(sock ? { sock } : {}),
              ...(this.options.execPath !== undefined ? { execPath: this.options.execPath } : {}),
            }),
          HANDSHAKE_SLOT_MS,
        );
      } catch (err) {
        sock?.destroy();
        const refused = method === 'password' && AUTHENTICATION_FAILED.test(String(err));
        if (!refused || !this.options.prompts?.rejected?.('password', passwordTarget(hop))) {
          throw err;
        }
      }
    }
  }

  /**
   * Connects to the endpoint through its jump hosts. `verify` applies to the target; jump hosts
   * must already be trusted (their keys are checked the same way, without confirmation).
   */
  async connect(endpoint: HostEndpoint, verify: VerifierOptions = {}): Promise<SshConnection> {
    const route = resolveRoute(endpoint, this.options.sshConfig, this.options.defaultPort);
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
        previous = await this.connectHop(hop, method, isTarget ? verify : {}, previous);
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
