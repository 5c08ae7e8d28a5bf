// Subscriptions to signed image lists as one service for the backend and convirtctl. A list is
// fetched, verified and checked before anything changes; then each image is registered as a
// template by URL (a first download disabled), a new version rotates the template it replaces
// (the seed's steps A to E, keeping its settings), and an image gone from the list or of an
// expired list expires. Every step goes to the task log and the audit trail, and the operator's
// event handler hears the vmcatcher events.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import {
  parseHttpHeader,
  validateDownloadUrl,
  type HttpHeader,
} from '../../shared/validation/download-source.js';
import { FILE_NAME_RULE, InvalidInputError, NAME_RULE } from '../../shared/validation/names.js';
import type { RegisterRequest } from '../../shared/validation/url-template.js';
import type { AuditInput, Task } from '../inventory/index.js';
import type { TaskRunner } from '../tasks/task-runner.js';
import type { TemplateSettings, UrlTemplateRecords } from '../templates/template-records.js';
import { taskObserver, type DownloadObserver } from '../templates/url-template-context.js';
import { checkAcceptable } from './acceptance.js';
import { eventEnvironment, runEventHandler, type EventType } from './event-hooks.js';
import { ImageListRefusedError, type ImageList, type ImageListImage } from './hepix.js';
import { openImageList, type OpenedImageList, type TrustAnchors } from './signature.js';
import type { SubscribedImage, Subscription, SubscriptionStore } from './subscription-store.js';

export interface SubscribeRequest {
  url: string;
  /** Default: the list's host name. */
  name?: string;
  trustCaFile?: string;
  trustCaDir?: string;
  endorserDn?: string;
  /** `NAME:VALUE` each, sent when fetching the list. */
  headers?: string[];
  allowUnsigned?: boolean;
}

export interface ImageListServiceOptions {
  store: SubscriptionStore;
  records: UrlTemplateRecords;
  /** Registers a template by URL, its URL checked from a host (UrlTemplateService.register). */
  register(request: RegisterRequest, progress: DownloadObserver): Promise<unknown>;
  audit(input: AuditInput): void;
  /** Fetches a list's bytes, here, through convirt.conf's http_proxy. */
  fetchList(url: string, headers: HttpHeader[]): Promise<string>;
  /** convirt.conf's imagelist_event_handler; none: no hook runs. */
  eventHandler?: string | null;
  runHook?: typeof runEventHandler;
  now?: () => Date;
  openssl?: string;
}

/** What one update did. */
export interface UpdateResult {
  subscription: string;
  version: string;
  registered: string[];
  rotated: string[];
  expired: string[];
  unchanged: string[];
  /** Images that could not be registered or are not usable, with why. */
  problems: { identifier: string; reason: string }[];
}

type Log = (line: string) => void;

/** `2026-12-05_12-54-44Z`: what an older version's name carries after its identifier. */
export function rotationTimestamp(d: Date): string {
  return d
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace('T', '_')
    .replace(/:/g, '-');
}

/** hv:format (any case) as a template's format; an OVA's disk is converted to qcow2 on the host. */
const FORMATS: Record<string, Pick<RegisterRequest, 'format' | 'container'>> = {
  qcow2: { format: 'qcow2' },
  raw: { format: 'raw' },
  img: { format: 'raw' },
  ova: { format: 'qcow2', container: 'ova' },
};

/** The template a list's image becomes, or why it cannot be one. */
function registrationOf(image: ImageListImage): RegisterRequest | { unusable: string } {
  if (!NAME_RULE.test(image.identifier)) {
    return {
      unusable: `its dc:identifier cannot name a template (letters, digits, '.', '_', '-')`,
    };
  }
  const format = FORMATS[(image.format ?? '').toLowerCase()];
  if (!format) {
    return {
      unusable: image.format
        ? `its format ${image.format} is none of qcow2, raw and OVA`
        : 'it has no hv:format',
    };
  }
  const os = [image.os, image.osVersion]
    .filter(Boolean)
    .join(' ')
    .replace(/[^A-Za-z0-9._ -]/g, ' ')
    .trim()
    .slice(0, 64);
  return {
    name: image.identifier,
    url: image.uri,
    ...format,
    checksum: `{SHA-512}${image.sha512}`,
    ...(os ? { os } : {}),
    hypervisor: /xen/i.test(image.hypervisor ?? '') ? 'xen' : 'kvm',
    directDownload: true,
  };
}

export class ImageListService {
  /** One update per subscription at a time: a second waits for the first's outcome. */
  private readonly running = new Map<string, Promise<UpdateResult>>();

  constructor(private readonly o: ImageListServiceOptions) {}

  private now(): Date {
    return (this.o.now ?? (() => new Date()))();
  }

  list(): Subscription[] {
    return this.o.store.list();
  }

  show(name: string): { subscription: Subscription; images: SubscribedImage[] } {
    const subscription = this.get(name);
    return { subscription, images: this.o.store.images(subscription.name) };
  }

  get(name: string): Subscription {
    const s = this.o.store.find(name);
    if (!s) {
      throw new InvalidInputError(
        'name',
        `No image-list subscription named ${JSON.stringify(name)}.`,
      );
    }
    return s;
  }

  /** Checks a subscription request before anything is fetched. */
  validate(r: SubscribeRequest): { name: string; trust?: TrustAnchors; headers: HttpHeader[] } {
    validateDownloadUrl(r.url);
    const name = r.name ?? new URL(r.url).hostname;
    if (!FILE_NAME_RULE.test(name)) {
      throw new InvalidInputError(
        'name',
        `Invalid subscription name ${JSON.stringify(name)}: 1 to 64 letters, digits, '.', '_' or '-'.`,
      );
    }
    if (this.o.store.find(name)) {
      throw new InvalidInputError('name', `A subscription named ${name} already exists.`);
    }
    if (r.trustCaFile !== undefined && r.trustCaDir !== undefined) {
      throw new InvalidInputError('trustCa', 'Give either a CA file or a CA folder, not both.');
    }
    const trust = this.trustAnchors(r);
    if (!trust && !r.allowUnsigned) {
      throw new InvalidInputError(
        'trustCa',
        'A subscription needs the CAs it trusts (--trust-ca FILE or --trust-ca-dir DIR), or --allow-unsigned.',
      );
    }
    return { name, ...(trust ? { trust } : {}), headers: (r.headers ?? []).map(parseHttpHeader) };
  }

  private trustAnchors(r: SubscribeRequest): TrustAnchors | undefined {
    const check = (path: string, folder: boolean) => {
      const what = folder ? 'CA folder' : 'CA file';
      if (!isAbsolute(path))
        throw new InvalidInputError('trustCa', `The ${what} must be an absolute path: ${path}`);
      if (!existsSync(path) || statSync(path).isDirectory() !== folder) {
        throw new InvalidInputError('trustCa', `No ${what} ${path} on this machine.`);
      }
      return path;
    };
    if (r.trustCaFile !== undefined) return { caFile: check(r.trustCaFile, false) };
    if (r.trustCaDir !== undefined) return { caDir: check(r.trustCaDir, true) };
    return undefined;
  }

  /**
   * Fetches and checks the list first (a refused one leaves nothing behind), then records the
   * subscription and registers its images, each disabled until the operator enables it.
   */
  async subscribe(r: SubscribeRequest, log: Log = () => {}): Promise<UpdateResult> {
    const { name, trust, headers } = this.validate(r);
    const options = {
      ...(trust ? { trust } : {}),
      ...(r.endorserDn ? { endorserDn: r.endorserDn } : {}),
      allowUnsigned: r.allowUnsigned === true,
    };
    log(`Fetching ${r.url}.`);
    const opened = await this.open(await this.o.fetchList(r.url, headers), options);
    checkAcceptable(opened.list, {}, this.now());
    this.o.store.add({ name, url: r.url, ...options, headers });
    this.audit('imagelist.subscribe', name, 'ok', {
      url: r.url,
      identifier: opened.list.identifier,
    });
    log(`Subscribed to ${opened.list.identifier} (${opened.list.title ?? 'untitled'}) as ${name}.`);
    return this.apply(name, opened, log);
  }

  /** subscribe() as a task, each step in its log. */
  subscribeAsTask(
    tasks: TaskRunner,
    r: SubscribeRequest,
  ): { task: Task; result: Promise<UpdateResult> } {
    const { name } = this.validate(r);
    return tasks.run('imagelist.subscribe', name, (ctx) =>
      this.subscribe({ ...r, name }, taskObserver(ctx).log),
    );
  }

  /** Fetches the subscription's list again and applies it, or says why it was refused. */
  update(name: string, log: Log = () => {}): Promise<UpdateResult> {
    const s = this.get(name);
    const pending = this.running.get(s.name);
    if (pending) return pending;
    const run = this.runUpdate(s, log).finally(() => this.running.delete(s.name));
    this.running.set(s.name, run);
    return run;
  }

  updateAsTask(tasks: TaskRunner, name: string): { task: Task; result: Promise<UpdateResult> } {
    const s = this.get(name);
    return tasks.run('imagelist.update', s.name, (ctx) =>
      this.update(s.name, taskObserver(ctx).log),
    );
  }

  /** Forgets the subscription; its templates stay (VMs may use them) and are returned. */
  unsubscribe(name: string): { templatesKept: string[] } {
    const s = this.get(name);
    const templatesKept = this.o.store
      .images(s.name)
      .flatMap((i) => (i.template ? [i.template] : []));
    this.o.store.remove(s.name);
    this.audit('imagelist.unsubscribe', s.name, 'ok', { templatesKept });
    return { templatesKept };
  }

  private async runUpdate(s: Subscription, log: Log): Promise<UpdateResult> {
    let opened: OpenedImageList;
    try {
      log(`Fetching ${s.url}.`);
      const body = await this.o.fetchList(s.url, this.o.store.headers(s.name));
      opened = await this.open(body, {
        ...(s.trust ? { trust: s.trust } : {}),
        ...(s.endorserDn ? { endorserDn: s.endorserDn } : {}),
        allowUnsigned: s.allowUnsigned,
      });
      checkAcceptable(
        opened.list,
        {
          ...(s.identifier ? { identifier: s.identifier } : {}),
          ...(s.version ? { version: s.version } : {}),
        },
        this.now(),
      );
    } catch (err) {
      const message = (err as Error).message;
      this.o.store.recordCheck(s.name, message);
      const refused = err instanceof ImageListRefusedError;
      this.audit('imagelist.update', s.name, refused ? 'refused' : 'failed', {
        ...(refused ? { reason: err.reason } : {}),
        error: message,
      });
      if (refused && err.reason === 'expired') await this.expireSubscription(s.name, log);
      log(`Refused: ${message}`);
      throw err;
    }
    return this.apply(s.name, opened, log);
  }

  private open(
    body: string,
    options: Parameters<typeof openImageList>[1],
  ): Promise<OpenedImageList> {
    return openImageList(body, {
      ...options,
      ...(this.o.openssl ? { openssl: this.o.openssl } : {}),
    });
  }

  /** Applies an accepted list: new images registered, new versions rotated, gone ones expired. */
  private async apply(
    name: string,
    { list, signer }: OpenedImageList,
    log: Log,
  ): Promise<UpdateResult> {
    const result: UpdateResult = {
      subscription: name,
      version: list.version,
      registered: [],
      rotated: [],
      expired: [],
      unchanged: [],
      problems: [],
    };
    log(
      `List ${list.identifier} version ${list.version}, ${list.images.length} image(s)${signer ? `, signed by ${signer.subject}` : ', unsigned'}.`,
    );
    for (const d of list.dropped) {
      const reason = `dropped from the list: ${d.reason}`;
      log(`Image #${d.index}${d.identifier ? ` (${d.identifier})` : ''} ${reason}.`);
      result.problems.push({ identifier: d.identifier ?? `#${d.index}`, reason });
    }
    await this.hook(log, 'ProcessPrefix', list);
    const expires = list.expires.toISOString();
    for (const image of list.images) {
      const held = this.o.store.image(name, image.identifier);
      const template =
        held?.template && this.o.records.find(held.template) ? held.template : undefined;
      if (
        held?.state === 'available' &&
        template &&
        held.version === image.version &&
        held.sha512 === image.sha512
      ) {
        result.unchanged.push(image.identifier);
        this.o.store.putImage(name, image, 'available', { template, expires });
        continue;
      }
      const request = registrationOf(image);
      if ('unusable' in request) {
        log(`${image.identifier} is not used: ${request.unusable}.`);
        result.problems.push({ identifier: image.identifier, reason: request.unusable });
        this.o.store.putImage(name, image, 'unusable', { note: request.unusable, expires });
        continue;
      }
      await this.hook(log, 'SubscriptionImageNew', list, image);
      await this.hook(log, 'AvailablePrefix', list, image);
      try {
        const rotated = this.o.records.find(request.name) !== undefined;
        if (rotated) await this.rotate(name, image, request, log);
        else await this.registerFirst(name, image, request, log);
        (rotated ? result.rotated : result.registered).push(image.identifier);
        this.o.store.putImage(name, image, 'available', { template: request.name, expires });
        await this.hook(log, 'AvailablePostfix', list, image);
      } catch (err) {
        const reason = (err as Error).message;
        log(`${image.identifier} version ${image.version} was not registered: ${reason}`);
        result.problems.push({ identifier: image.identifier, reason });
        // A version already available stays as it was (its template is untouched); anything
        // else is recorded as this version, unusable, with why.
        if (held?.state !== 'available') {
          this.o.store.putImage(name, image, 'unusable', { note: reason, expires });
        }
      }
    }
    const listed = new Set(list.images.map((i) => i.identifier));
    for (const held of this.o.store.images(name)) {
      if (!listed.has(held.identifier) && held.state !== 'expired') {
        await this.expireImage(name, list, held, 'it is no longer in the list', log);
        result.expired.push(held.identifier);
      }
    }
    this.o.store.accept(name, list, signer?.subject);
    this.o.store.recordCheck(name);
    await this.hook(log, 'ProcessPostfix', list);
    this.audit('imagelist.update', name, 'ok', { ...result });
    return result;
  }

  private async registerFirst(
    subscription: string,
    image: ImageListImage,
    request: RegisterRequest,
    log: Log,
  ): Promise<void> {
    log(`Registering ${image.identifier} version ${image.version} from ${image.uri}.`);
    await this.registerChecked(request, image, log);
    // A first download is not for use until the operator says so.
    this.o.records.setSettings(request.name, { enabled: false, serverPools: null });
    log(`Registered ${request.name}, disabled: enable it to provision from it.`);
    this.audit('imagelist.image.register', request.name, 'ok', {
      subscription,
      version: image.version,
    });
  }

  /** Registers and checks the size the list gives against the one the host found. */
  private async registerChecked(
    request: RegisterRequest,
    image: ImageListImage,
    log: Log,
  ): Promise<void> {
    await this.o.register(request, { log });
    const size = this.o.records.find(request.name)?.size;
    if (size !== undefined && size !== image.size) {
      this.o.records.remove(request.name);
      throw new Error(`${image.uri} is ${size} bytes, not the ${image.size} bytes of its hv:size.`);
    }
  }

  /**
   * A new version of a registered image (seed 004): A) remember the template's settings,
   * B) restrict it to no pool and disable it, C) rename it `<identifier>_<timestamp>`, D) register
   * the new version under the identifier, E) give it the remembered settings. When D fails, the
   * old template gets its name and settings back.
   */
  private async rotate(
    subscription: string,
    image: ImageListImage,
    request: RegisterRequest,
    log: Log,
  ): Promise<void> {
    const name = request.name;
    const step = (letter: string, text: string, detail: Record<string, unknown> = {}) => {
      log(`${letter}) ${text}`);
      this.audit('imagelist.image.rotate', name, 'ok', {
        step: letter,
        subscription,
        version: image.version,
        ...detail,
      });
    };
    const remembered: TemplateSettings = this.o.records.settings(name);
    step('A', `Remembered ${name}'s settings: ${describe(remembered)}.`, {
      settings: { ...remembered },
    });
    this.o.records.setSettings(name, { enabled: false, serverPools: [] });
    step('B', `Restricted ${name} to no server pool and disabled it.`);
    const oldName = `${name}_${rotationTimestamp(this.now())}`;
    this.o.records.rename(name, oldName);
    step('C', `Renamed ${name} to ${oldName}.`, { renamedTo: oldName });
    try {
      await this.registerChecked(request, image, log);
    } catch (err) {
      this.o.records.rename(oldName, name);
      this.o.records.setSettings(name, remembered);
      log(
        `The new version could not be registered: ${oldName} is ${name} again, with its settings.`,
      );
      throw err;
    }
    step('D', `Registered version ${image.version} as ${name}.`);
    this.o.records.setSettings(name, remembered);
    step('E', `Gave ${name} the remembered settings: ${describe(remembered)}.`);
  }

  /** An image that expires: its template renamed with a timestamp and disabled. */
  private async expireImage(
    subscription: string,
    list: Pick<ImageList, 'identifier'>,
    held: SubscribedImage,
    why: string,
    log: Log,
  ): Promise<void> {
    const image: ImageListImage = { ...held };
    await this.hook(log, 'ExpirePrefix', list, image);
    if (held.template && this.o.records.find(held.template)) {
      const expiredName = `${held.identifier}_${rotationTimestamp(this.now())}`;
      this.o.records.setSettings(held.template, { enabled: false });
      this.o.records.rename(held.template, expiredName);
      log(
        `${held.identifier} expired (${why}): ${held.template} disabled and renamed ${expiredName}.`,
      );
      this.audit('imagelist.image.expire', held.template, 'ok', {
        subscription,
        renamedTo: expiredName,
        why,
      });
    } else {
      log(`${held.identifier} expired (${why}).`);
    }
    this.o.store.expireImage(subscription, held.identifier);
    await this.hook(log, 'ExpirePostfix', list, image);
  }

  private async expireSubscription(name: string, log: Log): Promise<void> {
    this.o.store.markExpired(name);
    const identifier = this.o.store.get(name).identifier ?? name;
    for (const held of this.o.store.images(name)) {
      if (held.state !== 'expired')
        await this.expireImage(name, { identifier }, held, 'its list expired', log);
    }
  }

  private async hook(
    log: Log,
    type: EventType,
    list: Pick<ImageList, 'identifier'>,
    image?: ImageListImage,
  ): Promise<void> {
    const handler = this.o.eventHandler;
    if (!handler) return;
    const vars = eventEnvironment(type, list, image);
    const outcome = await (this.o.runHook ?? runEventHandler)(handler, vars);
    if (outcome.ok) return;
    // Reported, never undone: the handler is the operator's, and the step is already made.
    log(`The event handler ${handler} failed on ${type}: ${outcome.output}`);
    this.audit('imagelist.hook', image?.identifier ?? list.identifier, 'failed', {
      type,
      output: outcome.output,
    });
  }

  private audit(
    action: string,
    target: string,
    outcome: AuditInput['outcome'],
    detail: Record<string, unknown>,
  ): void {
    this.o.audit({ action, target, outcome, detail });
  }
}

function describe(s: TemplateSettings): string {
  const pools =
    s.serverPools === null
      ? 'every server pool'
      : s.serverPools.length
        ? `server pools ${s.serverPools.join(', ')}`
        : 'no server pool';
  return `${s.enabled ? 'enabled' : 'disabled'}, ${pools}`;
}
