// How a command is declared: its name, usage, options and handler. convirtctl's parser, its usage
// text and docs/cli.md are all made from the table (commands/index.ts).
import type { ParseArgsConfig } from 'node:util';
import type { ConvirtService } from '../../shared/contract/convirt-contract.js';
import type { Task } from '../../shared/domain/inventory.js';
import type { ConsoleListener } from './client.js';
import type { Io } from './io.js';

/** Every option, with the words shown for its value and what it does. */
export const OPTIONS = {
  'data-dir': { type: 'string', value: 'DIR', help: "ConVirt's data folder" },
  config: {
    type: 'string',
    value: 'FILE',
    help: 'read this convirt.conf (else CONVIRT_CONFIG, ./convirt.conf, ~/.convirt/convirt.conf, /etc/convirt.conf)',
  },
  json: { type: 'boolean', help: 'machine-readable output' },
  help: { type: 'boolean', short: 'h', help: 'this text' },
  remember: {
    type: 'boolean',
    help: "keep the SSH passwords and passphrases typed for this command in ConVirt's secret store",
  },
  'passphrase-file': {
    type: 'string',
    value: 'FILE',
    help: "the secret store's master passphrase from the first line of FILE (mode 0600)",
  },
  address: { type: 'string', value: 'HOST[:PORT]' },
  user: { type: 'string', value: 'U' },
  identity: { type: 'string', value: 'FILE' },
  password: { type: 'boolean' },
  hypervisor: { type: 'string', value: 'kvm|xen' },
  uri: { type: 'string', value: 'URI' },
  group: { type: 'string', value: 'G' },
  sudo: { type: 'boolean' },
  'accept-host-key': { type: 'string', value: 'SHA256:...' },
  host: { type: 'string', value: 'H' },
  quiesce: { type: 'boolean' },
  vcpus: { type: 'string', value: 'N' },
  memory: { type: 'string', value: 'MIB' },
  full: { type: 'boolean' },
  'remove-disks': { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  name: { type: 'string', value: 'N' },
  template: { type: 'string', value: 'NAME' },
  param: { type: 'string', multiple: true, value: 'KEY=VALUE' },
  start: { type: 'boolean' },
  'ci-hostname': { type: 'string', value: 'NAME' },
  'ci-user': { type: 'string', value: 'USER' },
  'ci-ssh-key': { type: 'string', multiple: true, value: 'PUBKEY_FILE' },
  'ci-password-hash': { type: 'string', value: 'HASH' },
  'ci-ip': { type: 'string', value: 'ADDR/PREFIX' },
  'ci-gateway': { type: 'string', value: 'IP' },
  'ci-dns': { type: 'string', multiple: true, value: 'IP' },
  'ci-user-data': { type: 'string', value: 'FILE' },
  'image-cache': { type: 'string', value: 'HOST_DIR' },
  'iso-dir': { type: 'string', value: 'HOST_DIR' },
  url: { type: 'string', value: 'URL' },
  format: { type: 'string', value: 'qcow2|raw|iso' },
  checksum: { type: 'string', value: 'SUM' },
  header: { type: 'string', multiple: true, value: "'NAME:VALUE'" },
  'direct-download': { type: 'boolean' },
  os: { type: 'string', value: 'OS' },
  'client-cert': { type: 'string', value: 'NAME' },
  ca: { type: 'string', value: 'FILE' },
  cert: { type: 'string', value: 'FILE' },
  key: { type: 'string', value: 'FILE' },
  'pool-dir': { type: 'string', value: 'HOST_DIR' },
  'shared-pool': { type: 'string', value: 'POOL' },
  all: { type: 'boolean' },
  live: { type: 'boolean' },
  offline: { type: 'boolean' },
  'copy-storage': { type: 'boolean' },
  'check-only': { type: 'boolean' },
  bandwidth: { type: 'string', value: 'MIB_S' },
  'target-address': { type: 'string', value: 'ADDRESS' },
  'trust-ca': { type: 'string', value: 'FILE' },
  'trust-ca-dir': { type: 'string', value: 'DIR' },
  'endorser-dn': { type: 'string', value: 'DN' },
  'allow-unsigned': { type: 'boolean' },
  enable: { type: 'boolean' },
  disable: { type: 'boolean' },
  'server-pool': { type: 'string', multiple: true, value: 'GROUP_ID' },
  'every-pool': { type: 'boolean' },
} as const satisfies Record<
  string,
  NonNullable<ParseArgsConfig['options']>[string] & { value?: string; help?: string }
>;

export type OptionName = keyof typeof OPTIONS;
/** Options every command takes. */
export const GLOBAL_OPTIONS: readonly OptionName[] = [
  'data-dir',
  'config',
  'json',
  'remember',
  'passphrase-file',
];

/** The parsed options: strings, booleans and lists of strings (--param, --header). */
export type OptionValues = {
  [K in OptionName]?: (typeof OPTIONS)[K] extends { multiple: true }
    ? string[]
    : (typeof OPTIONS)[K]['type'] extends 'string'
      ? string
      : boolean;
};

export interface CommandContext {
  /** The words after the command's name. */
  args: string[];
  values: OptionValues;
  json: boolean;
  io: Io;
  /** The contract, in process; ConVirt opens on the first call (bad usage opens nothing). */
  convirt: () => Promise<ConvirtService>;
  /** Waits for a task, prints it; 0 succeeded, 1 failed, 2 refused by its checks. */
  finish: (task: Task) => Promise<number>;
  /** Output and ends of the consoles this command opens. */
  onConsole: (listener: ConsoleListener) => void;
}

export interface Command {
  /** The words that select it, e.g. `vm snapshot create`. */
  name: string;
  /** What follows the name: arguments, then the options it reads, e.g. `HOST/VM [--full]`. */
  usage: string;
  /** One line on what it does. */
  summary: string;
  /** Further lines for the docs (what happens, what is refused). */
  notes?: string[];
  run: (ctx: CommandContext) => Promise<number>;
}

/** The command the words select: the longest name that starts them. */
export function findCommand(
  commands: readonly Command[],
  words: readonly string[],
): { command: Command; args: string[] } | undefined {
  let best: Command | undefined;
  for (const command of commands) {
    const name = command.name.split(' ');
    const matches = name.every((word, i) => words[i] === word);
    if (matches && (!best || name.length > best.name.split(' ').length)) best = command;
  }
  return best && { command: best, args: words.slice(best.name.split(' ').length) };
}

/** The usage text: one line per command, then the options every command takes. */
export function usageText(commands: readonly Command[]): string {
  const lines = commands.map((c) => `  ${`${c.name} ${c.usage}`.trimEnd()}\n      ${c.summary}`);
  const globals = GLOBAL_OPTIONS.map((name) => {
    const option = OPTIONS[name] as { value?: string; help?: string };
    const flag = `--${name}${option.value ? ` ${option.value}` : ''}`;
    return `  ${flag.padEnd(24)}  ${option.help ?? ''}`;
  });
  return [
    'Usage: convirtctl [OPTIONS] COMMAND ...',
    '',
    ...lines,
    '',
    'Options of every command:',
    ...globals,
  ].join('\n');
}
