// vmcatcher-compatible event hooks: the operator's handler runs with no arguments, the event in
// VMCATCHER_EVENT_TYPE and the image's fields in VMCATCHER_EVENT_* (formats doc, section 5), so an
// existing vmcatcher handler runs unchanged. Empty values are not exported, as vmcatcher does.
import { spawn } from 'node:child_process';
import type { ImageList, ImageListImage } from './hepix.js';

export const EVENT_TYPES = [
  'AvailablePrefix',
  'AvailablePostfix',
  'ExpirePrefix',
  'ExpirePostfix',
  'ProcessPrefix',
  'ProcessPostfix',
  'SubscriptionImageNew',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const PREFIX = 'VMCATCHER_EVENT_';

/** The VMCATCHER_EVENT_* variables of an event; keys whose value would be empty are left out. */
export function eventEnvironment(
  type: EventType,
  list: Pick<ImageList, 'identifier'> | undefined,
  image?: ImageListImage,
): Record<string, string> {
  const fields: Record<string, string | number | undefined> = {
    TYPE: type,
    IL_DC_IDENTIFIER: list?.identifier,
    DC_IDENTIFIER: image?.identifier,
    DC_TITLE: image?.title,
    DC_DESCRIPTION: image?.description,
    HV_URI: image?.uri,
    HV_SIZE: image?.size,
    HV_VERSION: image?.version,
    HV_FORMAT: image?.format,
    HV_HYPERVISOR: image?.hypervisor,
    SL_CHECKSUM_SHA512: image?.sha512,
    SL_ARCH: image?.arch,
    SL_OS: image?.os,
    SL_OSVERSION: image?.osVersion,
    SL_COMMENTS: image?.comments,
  };
  return Object.fromEntries(
    Object.entries(fields)
      .filter((e): e is [string, string | number] => e[1] !== undefined && String(e[1]) !== '')
      .map(([k, v]) => [PREFIX + k, String(v)]),
  );
}

export interface HookOutcome {
  ok: boolean;
  /** The handler's output, or why it could not run. */
  output: string;
}

/**
 * Runs the handler with the event's variables (and none left over from ConVirt's own
 * environment); resolves whatever happens, so a failing handler never undoes the caller's work.
 */
export function runEventHandler(
  handler: string,
  vars: Record<string, string>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<HookOutcome> {
  const inherited = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith(PREFIX)));
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(handler, [], {
      env: { ...inherited, ...vars },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (d: Buffer) => (output = (output + d.toString()).slice(-4000));
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (err) => resolve({ ok: false, output: err.message }));
    child.on('close', (code, signal) =>
      resolve({
        ok: code === 0,
        output:
          code === 0 ? output : `${output}\n(exited with ${signal ?? `status ${code}`})`.trim(),
      }),
    );
  });
}
