// Wires the app together for every front end (Electron, browser mode, convirtctl) and the tests:
// the inventory in the data folder, host-key trust, the fleet engine, the console manager and the
// contract's backend. The one start-up path: a front end then attaches to the backend as a client.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AppInfo } from '../../shared/contract/convirt-contract.js';
import { describeProblem, loadConfig, type ConvirtConfig } from '../config/index.js';
import { ConsoleManager } from '../consoles/console-manager.js';
import { fleetUrlTemplates } from '../templates/fleet-url-templates.js';
import { moveHeaderValuesIntoVault } from '../templates/template-secrets.js';
import { UrlTemplateRecords } from '../templates/template-records.js';
import { startAutomaticUpdates } from '../image-lists/automatic-updates.js';
import { ImageListService } from '../image-lists/image-list-service.js';
import { fetchImageList } from '../image-lists/list-fetch.js';
import { SubscriptionStore } from '../image-lists/subscription-store.js';
import { FleetService } from '../fleet/fleet-service.js';
import { Inventory } from '../inventory/index.js';
import { fleetProvisioning, type ProvisioningPaths } from '../provisioning/fleet-provisioning.js';
import type { DriverSettings } from '../hypervisors/drivers.js';
import { IsoSettingsFile } from '../provisioning/iso-upload.js';
import { sharedTemplatePool } from '../provisioning/template-pools.js';
import type { HostPaths } from '../provisioning/provisioning-service.js';
import { HostKeyTrust } from '../ssh/host-key-trust.js';
import { loadUserSshConfig } from '../ssh/ssh-config.js';
import { passphraseProtection } from '../secrets/passphrase-protection.js';
import { SshSecrets } from '../secrets/ssh-secrets.js';
import { configureVault } from '../secrets/vault-registry.js';
import type { KeyProtection } from '../secrets/vault.js';
import { ConvirtBackend, type ConvirtBackendOptions } from './convirt-backend.js';
import { openMainLog, type MainLog } from './main-log.js';
import { SecretRequests } from './secret-requests.js';

export interface OpenConvirtOptions {
  /** From resolveDataDir(): it must exist. */
  dataDir: string;
  /**
   * convirt.conf, read before anything opens (a bad file throws ConfigError and nothing starts):
   * the file a front end's --config names, else CONVIRT_CONFIG, else ConVirt's search order.
   */
  configFile?: string;
  /** convirt.conf already read (tests). */
  config?: ConvirtConfig;
  mode: AppInfo['mode'];
  version: string;
  localTerminal: boolean;
  /** Where ~/.ssh/config is read from; the user's home by default. */
  home?: string;
  /** One command and its client (convirtctl): see ConvirtBackendOptions.oneShot. */
  oneShot?: boolean;
  polling?: Pick<ConvirtBackendOptions, 'pollIntervalMs' | 'fastPollIntervalMs'>;
  /** Where provisioning caches images and puts disks on hosts (DEFAULT_HOST_PATHS otherwise). */
  provisioningPaths?: HostPaths;
  /**
   * Where a host puts a template it downloads for a VM: by default its own disks folder, never a
   * shared pool (ConVirt cannot tell which folders are shared storage; the operator can say so).
   */
  templatePool?: { dir?: string; sharedPool?: string };
  /**
   * How the secret store's key is protected: safeStorage from the desktop shell; by default a
   * master passphrase asked through the clients' secret prompt.
   */
  vaultProtection?: KeyProtection;
  /** The console manager over the fleet (tests give one with stand-in consoles). */
  consoles?: (fleet: FleetService) => ConsoleManager;
  /** Where the hosts keep the certificates for downloads by URL (tests use a folder of theirs). */
  hostTrustDir?: string;
}

export interface OpenedConvirt {
  backend: ConvirtBackend;
  /** convirt.conf's warnings (unknown keys ...), one line each, for the front end to print. */
  configWarnings: string[];
  /** convirt.log in log_dir. */
  log: MainLog;
  fleet: FleetService;
  inventory: Inventory;
  /** Stops everything at once; the newest performance points are written in the background. */
  close(): void;
  /**
   * close(), resolved once the newest performance points are written: what a front end awaits
   * before its process exits or its data folder goes.
   */
  closeAsync(): Promise<void>;
}

export function openConvirt(options: OpenConvirtOptions): OpenedConvirt {
  const config =
    options.config ?? loadConfig(options.configFile ? { flag: options.configFile } : {});
  const configWarnings = config.warnings.map(describeProblem);
  const log = openMainLog(config.values.log_dir);
  log.write(
    'info',
    `${options.mode} ${options.version} started; convirt.conf: ${config.file ?? 'none (defaults)'}; data folder ${options.dataDir}`,
  );
  for (const warning of configWarnings) log.write('warning', warning);
  const secrets = new SecretRequests();
  const vault = configureVault(
    options.dataDir,
    options.vaultProtection ?? passphraseProtection(secrets.askMasterPassphrase),
  );
  const inventory = Inventory.open({ dataDir: options.dataDir });
  try {
    // Header values registered before the secret store existed move into it (when it opens
    // without asking; else once it is unlocked).
    moveHeaderValuesIntoVault(inventory.db, vault);
    const sshSecrets = new SshSecrets({ ask: secrets.askSsh, vault });
    const drivers = driverSettings(config);
    const fleet = new FleetService({
      inventory,
      drivers,
      trust: new HostKeyTrust({ convirtStoreFile: join(options.dataDir, 'known_hosts') }),
      sshConfig: loadUserSshConfig(options.home ?? homedir()),
      prompts: sshSecrets.prompts,
      defaultSshPort: config.values.default_ssh_port,
      execPath: config.values.exec_path,
    });
    const pool = options.templatePool;
    const consoles =
      options.consoles?.(fleet) ??
      new ConsoleManager({ fleet, localTerminal: options.localTerminal });
    const templates = fleetUrlTemplates(fleet, inventory, options.dataDir, {
      // A one-shot client connects to hosts on demand; the UI's are kept connected by polling.
      connectedOnly: !options.oneShot,
      ...(options.hostTrustDir ? { hostTrustDir: options.hostTrustDir } : {}),
      httpProxy: config.values.http_proxy,
    });
    const templateRecords = new UrlTemplateRecords(inventory.db);
    const imageLists = new ImageListService({
      store: new SubscriptionStore(inventory.db),
      records: templateRecords,
      register: (request, progress) => templates.register(request, progress),
      audit: (input) => inventory.audit.record(input),
      fetchList: (url, headers) => fetchImageList(url, headers, config.values.http_proxy),
      eventHandler: config.values.imagelist_event_handler,
    });
    const backend = new ConvirtBackend({
      fleet,
      inventory,
      consoles,
      provisioning: fleetProvisioning(
        fleet,
        options.dataDir,
        provisioningPaths(config),
        drivers,
        options.provisioningPaths,
        {
          templates,
          ...(pool && {
            templatePool: (host) => sharedTemplatePool(inventory, host, pool.dir, pool.sharedPool),
          }),
        },
      ),
      isoSettings: new IsoSettingsFile(join(options.dataDir, 'iso-settings.json')),
      templates,
      templateRecords,
      imageLists,
      secrets,
      sshSecrets,
      vault,
      config,
      perfHistoryDir: join(options.dataDir, 'perf-history'),
      mode: options.mode,
      version: options.version,
      localTerminal: options.localTerminal,
      oneShot: options.oneShot === true,
      ...options.polling,
    });
    // The app keeps its subscriptions current; a one-shot command (convirtctl) does not.
    const stopImageListUpdates = options.oneShot
      ? () => {}
      : startAutomaticUpdates(imageLists, fleet.tasks, undefined, () =>
          backend.broadcastImageListsChanged(),
        );
    let closing: Promise<void> | undefined;
    const closeAsync = () =>
      (closing ??= (() => {
        stopImageListUpdates();
        log.write('info', `${options.mode} stopped`);
        const historyWritten = backend.dispose();
        consoles.dispose();
        fleet.close();
        inventory.close();
        return historyWritten;
      })());
    return {
      backend,
      configWarnings,
      log,
      fleet,
      inventory,
      close: () => void closeAsync(),
      closeAsync,
    };
  } catch (err) {
    inventory.close();
    throw err;
  }
}

/** convirt.conf's keys the hypervisor drivers follow. */
function driverSettings({ values }: ConvirtConfig): DriverSettings {
  return {
    xenconfDir: values.xenconf_dir,
    defaultBridge: { kvm: values.default_bridge_kvm, xen: values.default_bridge_xen },
    snapshotsDir: values.snapshots_dir,
  };
}

/** convirt.conf's folders provisioning reads and writes. */
function provisioningPaths({ values }: ConvirtConfig): ProvisioningPaths {
  return {
    imageStore: values.image_store,
    applianceStore: values.appliance_store,
    cacheDir: values.cache_dir,
  };
}
