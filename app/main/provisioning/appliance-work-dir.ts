// An appliance's work folder on the host, as DTC's provisioning has it: the store's shell library
// and the appliance's scripts, the VM's config and parameters, all streamed there as one tar
// archive; provision.sh and the hooks run from it under the appliance's time limit.
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateHostPath } from '../../shared/validation/names.js';
import { SHIPPED_FILES, type Appliance, type ImageStore } from '../image-store/image-store.js';
import type { ProvisionParams } from '../image-store/parameters.js';
import { quoteArg } from '../ssh/shell-quote.js';
import { stoppedWithConnection } from '../ssh/stop-with-connection.js';
import { channelExit, describeExit, type RemoteShell } from '../ssh/ssh-connection.js';

export class ApplianceWorkDir {
  /** The folder on the host. */
  readonly path: string;

  constructor(
    private readonly o: {
      shell: RemoteShell;
      prefix: readonly string[];
      store: ImageStore;
      appliance: Appliance;
      params: ProvisionParams;
      vmName: string;
      disksDir: string;
      taskId: string;
    },
  ) {
    this.path = validateHostPath(
      `${o.disksDir}/.convirt-provision-${o.vmName}-${o.taskId.slice(0, 8)}`,
    );
  }

  /** The image store as provision.sh sees it on the host. */
  get storeOnHost(): string {
    return `${this.path}/store`;
  }

  private get applianceDir(): string {
    return `${this.storeOnHost}/${this.o.appliance.name}`;
  }

  private logName(suffix: string): string {
    return `${this.o.appliance.name}_${this.o.vmName}${suffix}`;
  }

  /**
   * Copies the store's shell library, the appliance's scripts, the VM config (`vmConfig`, from
   * the substituted variables) and the parameters to the folder, which must not exist yet.
   */
  async ship(vmConfig: Readonly<Record<string, string>>, params: ProvisionParams): Promise<void> {
    const { appliance } = this.o;
    const local = mkdtempSync(join(tmpdir(), 'convirt-provision-'));
    try {
      const image = join(local, 'store', appliance.name);
      mkdirSync(image, { recursive: true });
      for (const file of SHIPPED_FILES) {
        const src = join(appliance.dir, file);
        if (existsSync(src)) copyFileSync(src, join(image, file));
      }
      for (const shared of ['common', 'custom_scripts'] as const) {
        const dir = this.o.store.sharedDir(appliance, shared);
        if (dir) cpSync(dir, join(local, 'store', shared), { recursive: true });
      }
      writeFileSync(join(local, 'vm_config'), shellAssignments(vmConfig));
      writeFileSync(join(local, 'params'), shellAssignments(params));
      writeFileSync(join(local, this.logName('.args')), `${this.provisionArgs().join(' ')}\n`);
      await this.untarOnHost(local);
    } finally {
      rmSync(local, { recursive: true, force: true });
    }
  }

  private provisionArgs(): string[] {
    const work = this.path;
    return [
      '-x',
      `${work}/vm_config`,
      '-p',
      `${work}/params`,
      '-s',
      this.storeOnHost,
      '-i',
      this.o.appliance.name,
      '-l',
      `${work}/${this.logName('.log')}`,
      '-c',
      `${this.applianceDir}/image.conf`,
    ];
  }

  /** Streams a local folder as a tar archive into `tar -x` on the host: one command. */
  private async untarOnHost(localDir: string): Promise<void> {
    const remoteDir = this.path;
    const channel = await this.o.shell.openChannel([
      ...this.o.prefix,
      'sh',
      '-c',
      'dir=$1; shift; mkdir -m 0700 -- "$dir" && exec "$@"',
      'sh',
      remoteDir,
      'tar',
      '-x',
      '--no-same-owner',
      '-f',
      '-',
      '-C',
      remoteDir,
    ]);
    let stderr = '';
    channel.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    channel.resume();
    const exit = channelExit(channel);
    const tar = spawn('tar', ['-c', '-f', '-', '-C', localDir, '.'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    tar.stdout.pipe(channel);
    const ended = await exit;
    if (ended.code !== 0)
      throw new Error(
        `Copying the image store to ${remoteDir} failed: ${stderr.trim() || describeExit(ended)}`,
      );
  }

  get timeoutSeconds(): number {
    return Number(this.o.params.provision_timeout ?? this.o.appliance.provisionTimeoutSeconds);
  }

  /** A hook of the appliance (DTC's, or the error hook) with its arguments, under `timeout`. */
  hookArgv(hook: string, ...args: string[]): string[] {
    return [...this.withTimeout(), `${this.applianceDir}/${hook}`, ...args];
  }

  /** The parameters file, as the hooks take it. */
  get paramsFile(): string {
    return `${this.path}/params`;
  }

  /** provision.sh and the hooks run under `timeout` (the appliance's provision_timeout). */
  private withTimeout(): string[] {
    return ['timeout', '-k', '5', String(this.timeoutSeconds)];
  }

  async runProvisionScript(): Promise<void> {
    const { appliance } = this.o;
    // provision.sh, then its log file (`.log`) on standard error: one round trip. It stops if
    // ConVirt goes meanwhile, rather than run on until its timeout beside a retry.
    const r = await this.o.shell.exec(
      [
        ...this.o.prefix,
        'sh',
        '-c',
        'log=$1; shift; "$@"; rc=$?; [ -s "$log" ] && { echo "--- $log"; cat -- "$log"; } >&2; exit $rc',
        'sh',
        `${this.path}/${this.logName('.log')}`,
        ...stoppedWithConnection([
          ...this.withTimeout(),
          'sh',
          `${this.applianceDir}/provision.sh`,
          ...this.provisionArgs(),
        ]),
      ],
      { holdStdinOpen: true },
    );
    if (r.code === 124 || r.code === 137)
      throw new Error(
        `provision.sh of ${appliance.name} did not finish within ${this.timeoutSeconds} s.`,
      );
    if (r.code !== 0)
      throw new Error(
        `provision.sh of ${appliance.name} failed (exit ${r.code ?? r.signal ?? '?'}).`,
      );
  }
}

/** `KEY='value'` lines, as the shell scripts source them. */
function shellAssignments(values: Readonly<Record<string, string>>): string {
  return `${Object.entries(values)
    .map(([k, v]) => `${k}=${quoteArg(v)}`)
    .join('\n')}\n`;
}
