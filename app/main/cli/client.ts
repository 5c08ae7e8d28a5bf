// convirtctl as a client of the contract, in process: ConVirt opens as every front end opens it
// (openConvirt), for one command, and this client answers its questions at the terminal.
import type { ConvirtService, SecretRequest } from '../../shared/contract/convirt-contract.js';
import { APP_INFO } from '../../shared/app-info.js';
import { openConvirt } from '../backend/open-convirt.js';
import { resolveDataDir } from '../inventory/index.js';
import { askSecret, UsageError, type Io } from './io.js';
import { readPassphraseFile } from './passphrase-file.js';

export interface CtlClientOptions {
  /** --data-dir; CONVIRT_DATA_DIR or the default folder otherwise. */
  dataDir?: string;
  /** --config: the convirt.conf to read instead of ConVirt's search order. */
  configFile?: string;
  /** Keep the SSH secrets typed for this command in the secret store. */
  remember: boolean;
  passphraseFile?: string;
  /** vm provision: where a host keeps verified images, and where templates are downloaded. */
  imageCache?: string;
  poolDir?: string;
  sharedPool?: string;
}

export interface CtlClient {
  service: ConvirtService;
  /** Console output and ends, for the console this client opened. */
  onConsole(listener: ConsoleListener): void;
  /** Why a question could not be answered (bad passphrase file ...), if it is the real error. */
  readonly promptFailure: unknown;
  close(): void;
}

export interface ConsoleListener {
  data(consoleId: string, data: Uint8Array): void;
  closed(consoleId: string, reason: string | null): void;
}

export function openCtlClient(options: CtlClientOptions, io: Io): CtlClient {
  const convirt = openConvirt({
    dataDir: resolveDataDir(options.dataDir ? { flag: options.dataDir } : {}),
    ...(options.configFile ? { configFile: options.configFile } : {}),
    mode: 'cli',
    version: process.env.npm_package_version ?? '',
    localTerminal: false,
    oneShot: true,
    ...(options.imageCache ? { provisioningPaths: { imageCache: options.imageCache } } : {}),
    ...(options.poolDir || options.sharedPool
      ? {
          templatePool: {
            ...(options.poolDir ? { dir: options.poolDir } : {}),
            ...(options.sharedPool ? { sharedPool: options.sharedPool } : {}),
          },
        }
      : {}),
  });
  for (const warning of convirt.configWarnings) io.err(`warning: ${warning}`);
  const consoles: ConsoleListener[] = [];
  let promptFailure: unknown;
  const answer = async (request: SecretRequest) => {
    let secret: string | null = null;
    try {
      secret = (await secretFor(request, options, io)) ?? null;
    } catch (err) {
      promptFailure ??= err;
    }
    const remember =
      options.remember && (request.kind === 'password' || request.kind === 'passphrase');
    // The question may have been withdrawn meanwhile: nothing to answer then.
    await session.service
      .answerSecret(request.requestId, secret, { remember })
      .catch(() => undefined);
  };
  const session = convirt.backend.attach((event, payload) => {
    if (event === 'secretRequested') void answer(payload as SecretRequest);
    if (event === 'consoleData') {
      const { consoleId, data } = payload as { consoleId: string; data: Uint8Array };
      consoles.forEach((c) => c.data(consoleId, data));
    }
    if (event === 'consoleClosed') {
      const { consoleId, reason } = payload as { consoleId: string; reason: string | null };
      consoles.forEach((c) => c.closed(consoleId, reason));
    }
  });
  return {
    service: session.service,
    onConsole: (listener) => consoles.push(listener),
    get promptFailure() {
      return promptFailure;
    },
    close() {
      session.close();
      convirt.close();
    },
  };
}

/** The operator's answer: from the terminal, or the passphrase file; none without either. */
async function secretFor(
  request: SecretRequest,
  options: CtlClientOptions,
  io: Io,
): Promise<string | undefined> {
  const master = request.kind === 'master-passphrase' || request.kind === 'new-master-passphrase';
  if (master && options.passphraseFile) return readPassphraseFile(options.passphraseFile);
  if (!io.interactive) return undefined;
  switch (request.kind) {
    case 'password':
      return askSecret(io, `Password for ${request.prompt}: `);
    case 'passphrase':
      return askSecret(io, `Passphrase for ${request.prompt}: `);
    case 'master-passphrase':
      return askSecret(io, `Master passphrase of ${APP_INFO.name}'s secret store: `);
    case 'new-master-passphrase': {
      const first = await askSecret(
        io,
        `New master passphrase for ${APP_INFO.name}'s secret store: `,
      );
      if ((await askSecret(io, 'The same again: ')) !== first) {
        throw new UsageError('The two master passphrases differ; nothing was stored.');
      }
      return first;
    }
  }
}
