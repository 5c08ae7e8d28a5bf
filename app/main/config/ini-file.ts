// convirt.conf is INI, read with `ini`: npm's own INI library (github.com/npm/ini, kept by the
// npm CLI team), version 6 because 7 needs Node.js 22. It does not say on which line a key was
// found, and ConVirt's errors must name the line, so lineIndex() below finds the line of each
// section header and key the way `ini` reads them: its line pattern, its comment rule, and
// `unsafe` (its own unquoting) for the names. `ini` alone decides the values.
import { parse, unsafe } from 'ini';

/** A key as `ini` read it, with the line it came from. */
export interface IniEntry {
  /** null: before any section header. */
  section: string | null;
  key: string;
  /** What `ini` made of the value: a string, or true/false/null/a number/an array. */
  value: unknown;
  /** The line that set it (the last one, when a key is repeated: `ini` keeps the last). */
  line: number;
  /** Earlier lines that set the same key, overridden by `line`. */
  overridden: number[];
}

export interface IniFile {
  entries: IniEntry[];
  /** Section headers, each with its first line. */
  sections: Map<string, number>;
  /** Lines that are neither a comment, a `[section]` header nor `key = value`. */
  malformed: Array<{ line: number; text: string }>;
}

// `ini`'s own pattern: a section header, or a key with an optional `= value`.
const LINE = /^\[([^\]]*)\]\s*$|^([^=]+)(=(.*))?$/;
const COMMENT_OR_BLANK = /^\s*([;#].*)?$/;

interface Located {
  sections: Map<string, number>;
  keyLines: Map<string, number[]>;
  malformed: Array<{ line: number; text: string }>;
}

const keyId = (section: string | null, key: string) => `${section ?? ''}\0${key}`;

function lineIndex(text: string): Located {
  const sections = new Map<string, number>();
  const keyLines = new Map<string, number[]>();
  const malformed: Array<{ line: number; text: string }> = [];
  let section: string | null = null;
  text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    if (COMMENT_OR_BLANK.test(raw)) return;
    const m = LINE.exec(raw);
    if (m?.[1] !== undefined) {
      section = unsafe(m[1]);
      if (!sections.has(section)) sections.set(section, i + 1);
    } else {
      // No '=': `ini` takes the whole line as a key set to true; it is reported instead.
      if (m?.[3] === undefined) malformed.push({ line: i + 1, text: raw.trim() });
      const name = unsafe(m?.[2] ?? raw);
      // `ini` reads `key[] = value` as an entry of the list `key`.
      const id = keyId(section, name.length > 2 && name.endsWith('[]') ? name.slice(0, -2) : name);
      keyLines.set(id, [...(keyLines.get(id) ?? []), i + 1]);
    }
  });
  return { sections, keyLines, malformed };
}

const isSection = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses an INI text; every entry carries its line. */
export function readIni(text: string): IniFile {
  const located = lineIndex(text);
  const entries: IniEntry[] = [];
  const add = (section: string | null, key: string, value: unknown) => {
    const lines = located.keyLines.get(keyId(section, key));
    // A key last set by a malformed line is reported as that line, not as an entry.
    if (!lines || located.malformed.some((m) => m.line === lines.at(-1))) return;
    entries.push({ section, key, value, line: lines.at(-1)!, overridden: lines.slice(0, -1) });
  };
  // `ini` nests `[a.b]` inside `a`: walked back to the dotted name the header had.
  const walk = (section: string, values: Record<string, unknown>) => {
    for (const [key, value] of Object.entries(values)) {
      if (isSection(value)) walk(`${section}.${key}`, value);
      else add(section, key, value);
    }
  };
  for (const [name, value] of Object.entries(parse(text))) {
    if (isSection(value)) walk(name, value);
    else add(null, name, value);
  }
  return { entries, sections: located.sections, malformed: located.malformed };
}
