// ConVirt's small configuration files (image.conf, image_store.conf): `key = value` lines,
// `#` comments, values optionally in single or double quotes. Later keys override earlier ones.

export type ConfValues = Map<string, string>;

const LINE = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0]) return v.slice(1, -1);
  return v;
}

export function parseConf(text: string, file = 'configuration'): ConfValues {
  const values: ConfValues = new Map();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = LINE.exec(line);
    if (!m)
      throw new Error(
        `${file} line ${index + 1}: expected key = value, got ${JSON.stringify(raw)}`,
      );
    values.set(m[1]!, unquote(m[2]!));
  });
  return values;
}

/** A comma-separated list (`excludes`, `customizable_options`), blanks dropped. */
export function confList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
