// Hostile text for the contract: a fast-check generator of strings an attacker would try (shell
// substitutions, quotes, separators, newlines, NUL, options, `../`, Unicode look-alikes and
// format characters, over-long values), each aimed at a canary file that exists only if something
// ran it; and every text field of every contract method, found by walking the declared argument
// schemas, so a new method is attacked without anyone listing it.
import fc from 'fast-check';
import type { AnyMethod, ContractSpec } from '../../app/shared/contract/define.js';
import type { Schema } from '../../app/shared/contract/schema.js';

/** Payloads that would create `canary` if anything passed them to a shell or a command's options. */
export function hostilePayloads(canary: string): string[] {
  const touch = `touch ${canary}`;
  return [
    `$(${touch})`,
    `\`${touch}\``,
    `;${touch}`,
    `|${touch}`,
    `&&${touch}`,
    `||${touch}`,
    `'$(${touch})'`,
    `"$(${touch})"`,
    `'; ${touch}; '`,
    `"; ${touch}; "`,
    `\\'; ${touch}; #`,
    `\n${touch}\n`,
    `\r\n${touch}`,
    `\0;${touch}`,
    `x\0`,
    `>${canary}`,
    `>>${canary}`,
    `<${canary}`,
    `$IFS${touch.replace(' ', '$IFS')}`,
    `{touch,${canary}}`,
    `--output=${canary}`,
    `--rsh=${touch}`,
    `-oProxyCommand=${touch}`,
    `--config=${canary}`,
    `-e ${touch}`,
    `../`,
    `../../../../..${canary}`,
    `/../../..${canary}`,
    `%2e%2e%2f${canary}`,
    `%0a${touch}`,
    `%00`,
    // Look-alikes and invisible characters: fullwidth $ ( ) ;, hyphens that are not '-', a
    // Cyrillic 'а', right-to-left override, zero-width and BOM, line and paragraph separators.
    `＄（${touch}）`,
    `；${touch}`,
    `‐‐output=${canary}`,
    `−−rsh=${touch}`,
    `\u0430dmin`,
    `\u202e${touch}`,
    `\u200b${touch}`,
    `\ufeff${touch}`,
    `\u2028${touch}`,
    `\u0085${touch}`,
    `\ud800`,
  ];
}

/** Hostile only as the whole value: a path segment where a name is expected. */
export const DOT_NAMES = ['.', '..'];

/**
 * A hostile string: a payload with optional plain text around it, or after `lead` (a value the
 * field accepts, so the payload gets past the first checks: a URL, a header's name, a path), a
 * bare `.` or `..`, or a payload made over-long.
 */
export function hostileText(canary: string, lead = ''): fc.Arbitrary<string> {
  const around = fc.string({ maxLength: 8, unit: 'grapheme-ascii' });
  const payload = fc.constantFrom(...hostilePayloads(canary));
  const plain = fc.oneof(
    { weight: 10, arbitrary: fc.tuple(around, payload, around).map(([a, p, b]) => a + p + b) },
    { weight: lead ? 10 : 0, arbitrary: fc.tuple(payload, around).map(([p, b]) => lead + p + b) },
    { weight: 1, arbitrary: fc.constantFrom(...DOT_NAMES) },
  );
  // Longer than any field accepts (the largest is a 64 KiB PEM).
  const overLong = fc
    .tuple(payload, fc.integer({ min: 65, max: 70_000 }))
    .map(([p, n]) => p + 'A'.repeat(n));
  return fc.oneof({ weight: 9, arbitrary: plain }, { weight: 1, arbitrary: overLong });
}

/** One place in a call's arguments where text goes: argument index, then keys and indexes. */
export interface TextSlot {
  method: string;
  path: Array<string | number>;
  /** Where a record's key (not its value) is the text. */
  recordKey?: true;
  schema: Schema<unknown>;
}

export const slotName = (slot: TextSlot) =>
  `${slot.method}#${slot.path.map(String).join('.')}${slot.recordKey ? '(key)' : ''}`;

/** Every text field of every method of `contract`. */
export function textSlots(contract: ContractSpec): TextSlot[] {
  const slots: TextSlot[] = [];
  for (const [method, spec] of Object.entries(contract.methods)) {
    spec.args.forEach((schema, i) => walk(method, [i], schema, slots));
  }
  return slots;
}

function walk(
  method: string,
  path: TextSlot['path'],
  schema: Schema<unknown>,
  slots: TextSlot[],
): void {
  const node = schema.node;
  switch (node.kind) {
    case 'string':
      slots.push({ method, path, schema });
      return;
    case 'optional':
    case 'nullable':
      return walk(method, path, node.inner, slots);
    case 'array':
      return walk(method, [...path, 0], node.item, slots);
    case 'object':
      for (const [key, inner] of Object.entries(node.shape)) {
        walk(method, [...path, key], inner, slots);
      }
      return;
    case 'record':
      slots.push({ method, path: [...path, 'key'], recordKey: true, schema });
      return walk(method, [...path, 'key'], node.value, slots);
    default:
      return;
  }
}

/**
 * Picks a harmless value for a text field: the first of `candidates(key)` its schema accepts, so
 * a call fails only because of the one hostile field. Undefined when none fits.
 */
export type BenignText = (schema: Schema<unknown>, key: string | number) => string | undefined;

/**
 * A call's arguments: harmless everywhere (optional fields left out, except on the way to the
 * slot), `text` at the slot. Throws when a required field has no harmless value (a new kind of
 * field the campaign must be taught).
 */
export function argsWithText(
  spec: AnyMethod,
  slot: TextSlot,
  text: string,
  benign: BenignText,
): unknown[] {
  const args = spec.args.map((schema, i) =>
    build(schema, i, slot.path[0] === i ? slot.path.slice(1) : null, slot, text, benign),
  );
  // Trailing optional arguments left out stay out.
  while (args.length && args[args.length - 1] === undefined) args.pop();
  return args;
}

function build(
  schema: Schema<unknown>,
  key: string | number,
  /** The rest of the slot's path when the slot is inside this value, else null. */
  rest: TextSlot['path'] | null,
  slot: TextSlot,
  text: string,
  benign: BenignText,
): unknown {
  const node = schema.node;
  const here = rest !== null;
  switch (node.kind) {
    case 'string': {
      if (here) return text;
      const value = benign(schema, key);
      if (value === undefined) {
        throw new Error(`No harmless value for ${slotName(slot)} field ${String(key)}.`);
      }
      return value;
    }
    case 'integer':
      return Math.max(node.min, Math.min(1, node.max));
    case 'boolean':
      return false;
    case 'bytes':
      return new Uint8Array([0x61]);
    case 'oneOf':
      return node.values[0];
    case 'optional':
      return here ? build(node.inner, key, rest, slot, text, benign) : undefined;
    case 'nullable':
      return here ? build(node.inner, key, rest, slot, text, benign) : null;
    case 'array':
      return here ? [build(node.item, key, rest.slice(1), slot, text, benign)] : [];
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, inner] of Object.entries(node.shape)) {
        const value = build(
          inner,
          k,
          here && rest[0] === k ? rest.slice(1) : null,
          slot,
          text,
          benign,
        );
        if (value !== undefined) out[k] = value;
      }
      return out;
    }
    case 'record': {
      if (!here) return {};
      if (slot.recordKey && rest.length === 1) {
        return { [text]: benign(node.value, text) ?? '1' };
      }
      return { memory: build(node.value, 'memory', rest.slice(1), slot, text, benign) };
    }
  }
}
