// Moves VMs between hosts: checks first (refused with every failed check), then one task per VM
// with the hypervisor's progress, cancellable. Whatever goes wrong, the VM stays on the source
// and what the task made on the target is removed; after success the inventory follows the VM.
import type { MigrationPlan, MigrationRequest } from '../../shared/domain/migration.js';
import { InvalidInputError, validateVmName } from '../../shared/validation/names.js';
import { NotSupportedError } from '../hypervisors/driver.js';
import type {
  MigratingVm,
  MigrationEndpoint,
  MigrationJob,
} from '../hypervisors/migration-endpoint.js';
import type { FleetService, StartedTask } from '../fleet/fleet-service.js';
import type { Inventory } from '../inventory/index.js';
import type { RemoteShell } from '../ssh/ssh-connection.js';
import type { TaskContext } from '../tasks/task-runner.js';
import { planEvacuation } from './evacuation.js';
import { BatchedShell } from './batched-shell.js';
import { checkMigration, type CheckedMigration, type MigrationSide } from './migration-checks.js';
import { copyBetweenHosts, openHostRelay } from './host-streams.js';

/**
 * A migration refused before anything moved: every failed check, in words. Bad input to the
 * contract (nothing ran), so clients treat it like any refused request.
 */
export class MigrationRefusedError extends InvalidInputError {
  constructor(readonly plan: MigrationPlan) {
    const failed = plan.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    super(
      'target',
      `Migration of ${plan.source}/${plan.vm} to ${plan.target} refused:\n${failed.join('\n')}`,
    );
    this.name = 'MigrationRefusedError';
  }
}

const JOB_POLL_MS = 1000;
const mib = (bytes: number | null) =>
  bytes === null ? '?' : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

/** A job reading in words, and how far it is. */
function describeJob(job: MigrationJob): { fraction: number | null; message: string } {
  const fraction =
    job.dataTotalBytes && job.dataRemainingBytes !== null
      ? Math.min(1, Math.max(0, 1 - job.dataRemainingBytes / job.dataTotalBytes))
      : null;
  const parts = [
    // xl reports only what it has sent.
    job.dataRemainingBytes === null && job.dataProcessedBytes !== null
      ? `${mib(job.dataProcessedBytes)} sent`
      : `${mib(job.dataRemainingBytes)} remaining`,
    ...(job.bytesPerSecond !== null ? [`${mib(job.bytesPerSecond)}/s`] : []),
    ...(job.expectedDowntimeMs !== null ? [`expected downtime ${job.expectedDowntimeMs} ms`] : []),
  ];
  return { fraction, message: parts.join(', ') };
}

export interface MigrationServiceOptions {
  fleet: FleetService;
  inventory: Inventory;
}

export class MigrationService {
  constructor(private readonly options: MigrationServiceOptions) {}

  private async side(hostName: string, shell?: RemoteShell): Promise<MigrationSide> {
    const { fleet } = this.options;
    const host = fleet.host(hostName);
    const connection = shell ?? (await fleet.connections.get(hostName));
    try {
      const driver = await fleet.driverWith(hostName, 'migration', connection);
      return {
        host,
        shell: connection,
        endpoint: driver.migrationEndpoint(),
        facts: () => driver.hostFacts(),
      };
    } catch (err) {
      if (!(err instanceof NotSupportedError)) throw err;
      // Refused by the first check, before anything asks this side's hypervisor.
      const refused = () => Promise.reject(err);
      return {
        host,
        shell: connection,
        endpoint: new Proxy({} as MigrationEndpoint, { get: () => refused }),
        unsupported: err.message,
        facts: refused,
      };
    }
  }

  /** Every check of moving host/vm as asked, without moving anything. */
  async check(
    ref: { host: string; vm: string },
    request: MigrationRequest,
  ): Promise<MigrationPlan> {
    return (await this.checked(ref, request)).plan;
  }

  /**
   * The checks, with what the migration needs from them. Each host's commands of a step go out
   * as one remote command, both hosts at once (batched-shell.ts).
   */
  private async checked(
    ref: { host: string; vm: string },
    request: MigrationRequest,
  ): Promise<CheckedMigration> {
    validateVmName(ref.vm);
    if (ref.host === request.target) {
      const plan: MigrationPlan = {
        source: ref.host,
        target: request.target,
        vm: ref.vm,
        mode: request.mode ?? 'live',
        storage: 'shared',
        ok: false,
        checks: [{ name: 'hosts', ok: false, detail: `${ref.vm} is on ${ref.host} already.` }],
        connection: '',
      };
      return { plan, vm: null, targetAddress: '' };
    }
    const { connections } = this.options.fleet;
    const [sourceShell, targetShell] = await Promise.all([
      connections.get(ref.host),
      connections.get(request.target),
    ]);
    const [source, target] = await Promise.all([
      this.side(ref.host, new BatchedShell(sourceShell)),
      this.side(request.target, new BatchedShell(targetShell)),
    ]);
    return checkMigration(source, target, ref.vm, request);
  }

  /**
   * Checks, then starts the migration as a task. A failed check refuses it (MigrationRefusedError)
   * before any task starts; the task goes on from these checks rather than making them again.
   */
  async migrate(
    ref: { host: string; vm: string },
    request: MigrationRequest,
  ): Promise<StartedTask> {
    const checked = await this.checked(ref, request);
    if (!checked.plan.ok) throw new MigrationRefusedError(checked.plan);
    return this.start(ref, request, checked);
  }

  /** Starts the task of a migration whose checks all passed. */
  private start(
    ref: { host: string; vm: string },
    request: MigrationRequest,
    checked: CheckedMigration,
  ): StartedTask {
    const { fleet } = this.options;
    const { task, result } = fleet.tasks.run('vm.migrate', `${ref.host}/${ref.vm}`, (ctx) =>
      this.run(ctx, ref, request, checked),
    );
    const record = () => this.options.inventory.tasks.get(task.id)!;
    const finished = result.then(record, record).then(async (final) => {
      await fleet.poller.pollAll([ref.host, request.target]).catch(() => undefined);
      return final;
    });
    return { task, finished };
  }

  /**
   * Moves every running VM of `hostName` to the other hosts of its server pool (every other host
   * of its hypervisor when it is in none), by free memory (evacuation.ts). Every move is checked
   * before the first starts; a VM without room or a failed check refuses the whole evacuation.
   */
  async evacuate(hostName: string): Promise<StartedTask[]> {
    const { fleet, inventory } = this.options;
    const host = fleet.host(hostName);
    const candidates = inventory.hosts
      .list()
      .filter(
        (h) =>
          h.name !== hostName &&
          h.hypervisor === host.hypervisor &&
          (host.groupId === null || h.groupId === host.groupId),
      );
    const running = (await fleet.listVms([hostName])).filter((v) => v.state === 'running');
    const free = await Promise.all(
      candidates.map(async (c) => ({
        host: c.name,
        freeMemoryMiB: (await fleet.hostFacts(c.name)).memoryFreeMiB,
      })),
    );
    const placed = planEvacuation(
      running.map((v) => ({ name: v.name, memoryMiB: v.memoryMiB })),
      free,
    );
    if (placed.unplaced.length) {
      throw new InvalidInputError(
        'host',
        `Cannot evacuate ${hostName}: no host of its pool has memory for ${placed.unplaced
          .map((u) => `${u.vm} (${u.memoryMiB} MiB)`)
          .join(', ')}.`,
      );
    }
    const checks = await Promise.all(
      placed.moves.map((m) => this.checked({ host: hostName, vm: m.vm }, { target: m.target })),
    );
    const refused = checks.find((c) => !c.plan.ok);
    if (refused) throw new MigrationRefusedError(refused.plan);
    return placed.moves.map((move, i) =>
      this.start({ host: hostName, vm: move.vm }, { target: move.target }, checks[i]!),
    );
  }

  private async run(
    ctx: TaskContext,
    ref: { host: string; vm: string },
    request: MigrationRequest,
    checked: CheckedMigration,
  ): Promise<void> {
    const { fleet } = this.options;
    for (const c of checked.plan.checks)
      ctx.log(`check ${c.name}: ${c.ok ? 'ok' : 'FAILED'}: ${c.detail}`);
    ctx.log(checked.plan.connection);
    const [sourceShell, targetShell] = await Promise.all([
      fleet.connections.get(ref.host),
      fleet.connections.get(request.target),
    ]);
    // Steps run on the recorded shells; undo runs on the plain ones, which a cancel leaves open.
    const source = await this.side(ref.host, ctx.record(sourceShell));
    const target = await this.side(request.target, ctx.record(targetShell));
    const vm = checked.vm!;
    const cleanTarget = (await this.side(request.target, targetShell)).endpoint;
    if (checked.plan.mode === 'live') {
      await this.live(ctx, source, target, cleanTarget, vm, checked.plan.storage, {
        targetAddress: checked.targetAddress,
        request,
        sourceShell,
      });
    } else {
      await this.offline(ctx, source, target, cleanTarget, vm, checked.plan.storage);
    }
    this.followVm(ref.host, request.target, ref.vm);
    ctx.log(`${ref.vm} is on ${request.target} now.`);
  }

  private async live(
    ctx: TaskContext,
    source: MigrationSide,
    target: MigrationSide,
    cleanTarget: MigrationEndpoint,
    vm: MigratingVm,
    storage: 'shared' | 'copy',
    extra: { targetAddress: string; request: MigrationRequest; sourceShell: RemoteShell },
  ): Promise<void> {
    const created: string[] = [];
    const undo = async () => {
      // libvirt ends the incoming VM on the target itself; the images made for it go too.
      if (await cleanTarget.exists(vm.name).catch(() => false)) {
        if ((await cleanTarget.state(vm.name)) === 'shutoff') await cleanTarget.undefine(vm.name);
      }
      await cleanTarget.removeFiles(created);
    };
    const relay = await openHostRelay(
      source.shell,
      target.shell,
      target.endpoint.controlRelayArgv(),
    );
    let polling: ReturnType<typeof setInterval> | undefined;
    try {
      if (storage === 'copy') {
        for (const disk of vm.disks) {
          // libvirt's storage copy writes into images that already exist on the target.
          created.push(disk.path);
          await target.endpoint.createImage(disk);
        }
      }
      const argv = source.endpoint.liveMigrateArgv(vm.name, {
        targetUri: target.endpoint.relayedUri(relay.command),
        targetAddress: extra.targetAddress,
        copyStorage: storage === 'copy',
        sharedStorageVerified: storage === 'shared',
        ...(extra.request.bandwidthMiBs ? { bandwidthMiBs: extra.request.bandwidthMiBs } : {}),
      });
      ctx.progress(0, 'starting');
      // The endpoint on the plain connection: its readings would flood the task's log.
      const quietSource = (await this.side(source.host.name, extra.sourceShell)).endpoint;
      polling = setInterval(() => {
        void quietSource.jobInfo(vm.name).then(
          (job) => {
            if (!job) return;
            const { fraction, message } = describeJob(job);
            ctx.progress(fraction, message);
          },
          () => undefined,
        );
      }, JOB_POLL_MS);
      // A hypervisor may refuse a cancel that comes too late (xl past its point of no return).
      const abort = () =>
        void quietSource
          .abortJob(vm.name)
          .catch((e: unknown) => ctx.log(`cancel: ${(e as Error).message}`, 'stderr'));
      ctx.signal.addEventListener('abort', abort, { once: true });
      // Not through the recording shell: a cancel aborts the job (above), not the command.
      ctx.log(`$ ${argv.join(' ')}`);
      const result = await extra.sourceShell.exec(argv);
      ctx.signal.removeEventListener('abort', abort);
      if (result.stdout.trim()) ctx.log(result.stdout.trim());
      // xl tells how its migration went on stderr, success included.
      if (result.stderr.trim()) ctx.log(result.stderr.trim(), 'stderr');
      if (result.code !== 0) {
        ctx.signal.throwIfAborted();
        throw new Error(
          `The migration failed on ${source.host.name}: ${result.stderr.trim() || `exit ${result.code}`}`,
        );
      }
      clearInterval(polling);
      polling = undefined;
      const state = await target.endpoint.state(vm.name);
      if (state !== 'running' && state !== 'paused')
        throw new Error(`${vm.name} is ${state} on ${target.host.name} after the migration.`);
      const done = await target.endpoint.completedJob(vm.name);
      if (done) {
        ctx.log(
          `migrated in ${done.elapsedMs ?? '?'} ms, downtime ${done.downtimeMs ?? '?'} ms, ${mib(done.dataProcessedBytes)} moved`,
        );
      }
      ctx.progress(1, `running on ${target.host.name}`);
    } catch (err) {
      await undo().catch((e: unknown) =>
        ctx.log(`cleanup on ${target.host.name}: ${(e as Error).message}`, 'stderr'),
      );
      const still = await source.endpoint.state(vm.name).catch(() => 'unknown');
      ctx.log(`${vm.name} stays on ${source.host.name} (${still}).`);
      throw err;
    } finally {
      if (polling) clearInterval(polling);
      await relay.close();
    }
    if (!source.endpoint.live.movesDefinition && vm.definition) {
      // The VM runs on the target (checked above): the file it is started from follows it.
      await target.endpoint.define(vm.definition);
      await source.endpoint.undefine(vm.name);
      ctx.log(`moved ${vm.name}'s configuration from ${source.host.name} to ${target.host.name}`);
    }
    if (storage === 'copy') {
      // The VM runs from its copies now (checked above); the source's are stale.
      await source.endpoint.removeFiles(vm.disks.map((d) => d.path));
      ctx.log(
        `removed the disks on ${source.host.name}: ${vm.disks.map((d) => d.path).join(', ')}`,
      );
    }
  }

  private async offline(
    ctx: TaskContext,
    source: MigrationSide,
    target: MigrationSide,
    cleanTarget: MigrationEndpoint,
    vm: MigratingVm,
    storage: 'shared' | 'copy',
  ): Promise<void> {
    const copied: string[] = [];
    let defined = false;
    try {
      if (storage === 'copy') {
        const total = vm.disks.reduce((sum, d) => sum + d.allocatedBytes, 0) || 1;
        let before = 0;
        for (const disk of vm.disks) {
          copied.push(disk.path);
          ctx.log(`copying ${disk.path} to ${target.host.name}`);
          await copyBetweenHosts(
            { shell: source.shell, argv: source.endpoint.readFileArgv(disk.path) },
            { shell: target.shell, argv: target.endpoint.writeFileArgv(disk.path) },
            ctx.signal,
            (bytes) =>
              ctx.progress(
                Math.min(0.95, (before + bytes) / total),
                `copying ${disk.target}: ${mib(bytes)}`,
              ),
          );
          before += disk.allocatedBytes;
          const [mine, theirs] = await Promise.all([
            source.endpoint.checksum(disk.path),
            target.endpoint.checksum(disk.path),
          ]);
          if (mine !== theirs)
            throw new Error(
              `The copy of ${disk.path} differs (SHA-256 ${theirs}, expected ${mine}).`,
            );
          ctx.log(`${disk.path}: SHA-256 ${mine} on both hosts`);
        }
      }
      ctx.signal.throwIfAborted();
      await target.endpoint.define(vm.definition);
      defined = true;
      const state = await target.endpoint.state(vm.name);
      if (state !== 'shutoff')
        throw new Error(`${vm.name} is ${state} on ${target.host.name}, not shut off.`);
    } catch (err) {
      if (defined) await cleanTarget.undefine(vm.name).catch(() => undefined);
      await cleanTarget.removeFiles(copied).catch(() => undefined);
      ctx.log(`${vm.name} stays on ${source.host.name}; nothing is left on ${target.host.name}.`);
      throw err;
    }
    // Only now that the target has it, verified, does the source let go.
    await source.endpoint.undefine(vm.name);
    if (storage === 'copy') await source.endpoint.removeFiles(vm.disks.map((d) => d.path));
  }

  /** The VM's tags move with it. */
  private followVm(from: string, to: string, vm: string): void {
    const tags = this.options.inventory.tags;
    for (const tag of tags.list({ kind: 'vm', id: `${from}/${vm}` })) {
      tags.add({ kind: 'vm', id: `${to}/${vm}` }, tag);
      tags.remove({ kind: 'vm', id: `${from}/${vm}` }, tag);
    }
  }
}
