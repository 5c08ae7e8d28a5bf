// What the backend is built from: the engine's parts, how its polling runs, and the secrets.
import type { AppInfo } from '../../shared/contract/convirt-contract.js';
import type { ConvirtConfig } from '../config/index.js';
import type { ConsoleManager } from '../consoles/console-manager.js';
import type { ImageListService } from '../image-lists/image-list-service.js';
import type { UrlTemplateRecords } from '../templates/template-records.js';
import type { UrlTemplateService } from '../templates/url-template-service.js';
import type { FleetService } from '../fleet/fleet-service.js';
import type { Inventory } from '../inventory/index.js';
import type { FleetProvisioning } from '../provisioning/fleet-provisioning.js';
import type { IsoSettingsFile } from '../provisioning/iso-upload.js';
import type { SshSecrets } from '../secrets/ssh-secrets.js';
import type { SecretVault } from '../secrets/vault.js';
import type { SecretRequests } from './secret-requests.js';

export interface ConvirtBackendOptions {
  fleet: FleetService;
  inventory: Inventory;
  consoles: ConsoleManager;
  /** The image store and the provisioning of VMs from its appliances. */
  provisioning: Pick<FleetProvisioning, 'store' | 'service' | 'checksums'>;
  /** Each host's ISO folder and quota. */
  isoSettings: IsoSettingsFile;
  /** Templates and ISOs by URL, and the certificates for their downloads. */
  templates: UrlTemplateService;
  /** The same templates' records: the settings an image list's rotation keeps. */
  templateRecords: UrlTemplateRecords;
  /** Subscriptions to signed image lists. */
  imageLists: ImageListService;
  /** convirt.conf as read at start-up. */
  config: ConvirtConfig;
  /** Where the VMs' and hosts' performance history is kept (the data folder's perf-history). */
  perfHistoryDir: string;
  mode: AppInfo['mode'];
  version: string;
  /** Whether openLocalTerminal is served. */
  localTerminal: boolean;
  /**
   * For one command and its client (convirtctl): the hosts are not watched (no polling, no poll
   * after a task), so a host is connected only when a call needs it; and the secret store is
   * unlocked only when a call needs it, not when the client arrives. Its calls may name files
   * of this machine (uploadIso): the operator who runs it can read them anyway.
   */
  oneShot?: boolean;
  /** Every host is polled this often while a client is connected. */
  pollIntervalMs?: number;
  /** Hosts some client focuses on are polled this often. */
  fastPollIntervalMs?: number;
  /** The questions asked of clients (SSH secrets, the vault's master passphrase). */
  secrets: SecretRequests;
  /** SSH secrets kept for the session or remembered (FleetService asks through its prompts). */
  sshSecrets: SshSecrets;
  /** ConVirt's secret store, unlocked when the first client arrives if it exists. */
  vault?: SecretVault;
}
