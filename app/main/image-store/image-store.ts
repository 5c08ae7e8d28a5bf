// ConVirt's image store: store folders (the repository's image_store/ and the operator's own, in
// the data folder), each with image_store.conf, common/, custom_scripts/ and one folder per
// appliance holding image.conf, vm_conf.template, provision.sh and description.html.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { FILE_NAME_RULE, InvalidInputError } from '../../shared/validation/names.js';
import { confList, parseConf, type ConfValues } from './conf-file.js';
import { readApplianceDescription } from './description.js';
import { isUrl, parseMirrors, urlSource, type UrlMirror, type UrlSource } from './image-sources.js';

/** The repository's own image store (a source checkout's). */
export const REPOSITORY_STORE = join(import.meta.dirname, '../../../image_store');

export const DTC_HOOKS = ['custom_os', 'setup_network', 'last_stage_custom'] as const;
export const ERROR_HOOK = 'on_error';
/** Files of an appliance folder that are shipped to the host (never its large images). */
export const SHIPPED_FILES = [
  'image.conf',
  'vm_conf.template',
  'provision.sh',
  'description.html',
  ...DTC_HOOKS,
  ERROR_HOOK,
];

const CONTENT_FORMATS = ['tar', 'tar_gz', 'tar_bz2'] as const;
export type ContentFormat = (typeof CONTENT_FORMATS)[number];

export type DiskSource =
  /**
   * A disk image copied (raw) or used as the backing file of an overlay (qcow2). `file`, like
   * Appliance's `kernel` and `ramdisk`, is a local path or the URL of one of `urls`.
   */
  | { kind: 'image'; file: string | null; format: 'qcow2' | 'raw' }
  /** A new filesystem filled from an archive (DTC's root tarball). */
  | { kind: 'content'; file: string | null; format: ContentFormat; fsType: string }
  /** A new empty disk; with `swap` (`<dev>_disk_fs_type = swap`), a raw one made a swap area. */
  | { kind: 'empty'; swap?: true };

export interface ApplianceDisk {
  dev: string;
  source: DiskSource;
  /** From `<dev>_disk_size` (MiB); an image disk without one keeps its image's size. */
  sizeMiB: number | null;
}

export interface Appliance {
  name: string;
  /** The store folder the appliance comes from. */
  storeDir: string;
  dir: string;
  conf: ConfValues;
  description: string;
  os: string;
  platform: 'kvm' | 'xen';
  /** A libvirt domain XML template (KVM) or an xl configuration (Xen). */
  templateKind: 'libvirt-xml' | 'xl';
  disks: ApplianceDisk[];
  kernel: string | null;
  ramdisk: string | null;
  /** The files that come from a URL, fetched by the host into its image cache. */
  urls: UrlSource[];
  /** image.conf's `cloud_init = yes`: the image runs cloud-init, which reads a NoCloud seed. */
  cloudInit: boolean;
  customizable: string[];
  provisionTimeoutSeconds: number;
  hooks: string[];
  /** Total size of the appliance's local files, in bytes. */
  sizeBytes: number;
  /** Files image.conf names that are not there (the appliance has not been built). */
  missing: string[];
}

export interface ImageStoreOptions {
  /** Store folders, in order; an appliance of a later store hides one of the same name. */
  stores: string[];
  /** Folders holding built files as `<dir>/<appliance>/<file>`, searched after the image folder. */
  artifactDirs?: string[];
}

const DEV = /^(vd|sd|hd|xvd)[a-z]{1,2}$/;

export class ImageStore {
  constructor(private readonly options: ImageStoreOptions) {}

  get stores(): string[] {
    return this.options.stores.filter((dir) => existsSync(dir));
  }

  private storeConf(store: string): ConfValues {
    const file = join(store, 'image_store.conf');
    return existsSync(file)
      ? parseConf(readFileSync(file, 'utf8'), file)
      : new Map<string, string>();
  }

  /** Every appliance, by name. */
  list(): Appliance[] {
    const byName = new Map<string, Appliance>();
    const mirrors = this.mirrors();
    for (const store of this.stores) {
      const excludes = new Set(
        confList(this.storeConf(store).get('excludes') ?? 'common,example,custom_scripts'),
      );
      for (const entry of readdirSync(store).sort()) {
        const dir = join(store, entry);
        if (excludes.has(entry) || !FILE_NAME_RULE.test(entry)) continue;
        if (!existsSync(join(dir, 'image.conf'))) continue;
        byName.set(entry, this.load(store, entry, mirrors));
      }
    }
    return [...byName.values()];
  }

  /**
   * Mirrors of download sites (image_store.conf's `mirrors = FROM TO, ...`): every store's, a later
   * store's first, so the operator's own store can point the shipped appliances' URLs at a local
   * copy without changing them.
   */
  mirrors(): UrlMirror[] {
    return this.stores.reverse().flatMap((store) => parseMirrors(this.storeConf(store), store));
  }

  /** The appliance the provisioning form offers first (image_store.conf's `default`). */
  defaultName(): string | null {
    let name: string | null = null;
    for (const store of this.stores) name = this.storeConf(store).get('default') ?? name;
    return name;
  }

  get(name: string): Appliance {
    if (!FILE_NAME_RULE.test(name))
      throw new InvalidInputError('appliance', `Invalid appliance name ${JSON.stringify(name)}.`);
    const found = this.list().find((a) => a.name === name);
    if (!found)
      throw new InvalidInputError(
        'appliance',
        `No appliance named ${JSON.stringify(name)} in the image store.`,
      );
    return found;
  }

  /** common/ and custom_scripts/ for an appliance: its own store's, else the first store's that has them. */
  sharedDir(appliance: Appliance, which: 'common' | 'custom_scripts'): string | null {
    for (const store of [appliance.storeDir, ...this.stores]) {
      if (existsSync(join(store, which))) return join(store, which);
    }
    return null;
  }

  private resolveFile(image: string, dir: string, file: string): string | null {
    if (isAbsolute(file)) return existsSync(file) ? file : null;
    const candidates = [
      join(dir, file),
      ...(this.options.artifactDirs ?? []).map((a) => join(a, image, file)),
    ];
    return candidates.find((c) => existsSync(c)) ?? null;
  }

  private load(storeDir: string, name: string, mirrors: readonly UrlMirror[]): Appliance {
    const dir = join(storeDir, name);
    const confFile = join(dir, 'image.conf');
    const conf = parseConf(readFileSync(confFile, 'utf8'), confFile);
    const missing: string[] = [];
    const urls: UrlSource[] = [];
    const file = (key: string): string | null => {
      const value = conf.get(key);
      if (!value) return null;
      if (isUrl(value)) {
        const source = urlSource(conf, key, confFile, mirrors);
        urls.push(source);
        return source.url;
      }
      const path = this.resolveFile(name, dir, value);
      if (!path) missing.push(value);
      return path;
    };

    const devs = new Set<string>();
    for (const key of conf.keys()) {
      const m = /^([a-z]+)_(?:image_src|disk_create|disk_size)$/.exec(key);
      if (m && DEV.test(m[1]!)) devs.add(m[1]!);
    }
    const disks = [...devs].sort().map((dev): ApplianceDisk => {
      const type = conf.get(`${dev}_image_src_type`) ?? 'disk_image';
      const format = conf.get(`${dev}_image_src_format`) ?? '';
      const size = conf.get(`${dev}_disk_size`);
      const sizeMiB = size ? Number(size) : null;
      if (sizeMiB !== null && !(Number.isInteger(sizeMiB) && sizeMiB > 0))
        throw new Error(`${confFile}: ${dev}_disk_size must be a whole number of MB, not ${size}`);
      let source: DiskSource;
      if (!conf.get(`${dev}_image_src`))
        source =
          conf.get(`${dev}_disk_fs_type`) === 'swap'
            ? { kind: 'empty', swap: true }
            : { kind: 'empty' };
      else if (type === 'disk_content') {
        if (!(CONTENT_FORMATS as readonly string[]).includes(format))
          throw new Error(
            `${confFile}: ${dev}_image_src_format ${format || '(none)'} is not supported for disk_content (use ${CONTENT_FORMATS.join(', ')})`,
          );
        source = {
          kind: 'content',
          file: file(`${dev}_image_src`),
          format: format as ContentFormat,
          fsType: conf.get(`${dev}_disk_fs_type`) ?? 'ext4',
        };
      } else if (type === 'disk_image') {
        const src = conf.get(`${dev}_image_src`)!;
        const imageFormat =
          format === 'qcow2' || (!format && src.endsWith('.qcow2')) ? 'qcow2' : 'raw';
        source = { kind: 'image', file: file(`${dev}_image_src`), format: imageFormat };
      } else
        throw new Error(
          `${confFile}: ${dev}_image_src_type must be disk_image or disk_content, not ${type}`,
        );
      if (source.kind !== 'image' && sizeMiB === null)
        throw new Error(`${confFile}: ${dev} needs ${dev}_disk_size`);
      return { dev, source, sizeMiB };
    });

    const kernel = file('kernel_src');
    const ramdisk = file('ramdisk_src');
    const templateFile = join(dir, 'vm_conf.template');
    const template = existsSync(templateFile) ? readFileSync(templateFile, 'utf8') : '';
    const timeout = Number(conf.get('provision_timeout') ?? 60);
    if (!(Number.isInteger(timeout) && timeout > 0 && timeout <= 3600))
      throw new Error(`${confFile}: provision_timeout must be 1 to 3600 seconds`);
    const files = [
      kernel,
      ramdisk,
      ...disks.map((d) => (d.source.kind === 'empty' ? null : d.source.file)),
    ].filter((f): f is string => f !== null && !isUrl(f));
    return {
      name,
      storeDir,
      dir,
      conf,
      description: conf.get('description') ?? readApplianceDescription(dir)?.paragraphs[0] ?? '',
      os: conf.get('os') ?? '',
      platform: conf.get('platform') === 'xen' ? 'xen' : 'kvm',
      templateKind: template.trimStart().startsWith('<') ? 'libvirt-xml' : 'xl',
      disks,
      kernel,
      ramdisk,
      urls,
      cloudInit: conf.get('cloud_init') === 'yes',
      customizable: confList(conf.get('customizable_options')),
      provisionTimeoutSeconds: timeout,
      hooks: [...DTC_HOOKS, ERROR_HOOK].filter((h) => existsSync(join(dir, h))),
      sizeBytes: files.reduce((sum, f) => sum + statSync(f).size, 0),
      missing,
    };
  }
}

/** Where the stores are, from convirt.conf. */
export interface StorePaths {
  /** The shipped image store (image_store). */
  imageStore: string;
  /** Built appliance files, as `<dir>/<appliance>/<file>` (appliance_store). */
  applianceStore: string;
}

/** The stores convirtctl and the app use: the shipped store, then the operator's own in the data folder. */
export function configuredImageStore(paths: StorePaths, dataDir: string): ImageStore {
  return new ImageStore({
    stores: [paths.imageStore, join(dataDir, 'image_store')],
    artifactDirs: [paths.applianceStore],
  });
}
