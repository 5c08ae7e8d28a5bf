// config show: convirt.conf as ConVirt reads it, every value with the file line or default it
// came from.
import { describeSource, type ConfigInfo } from '../../../shared/domain/config.js';
import type { Command } from '../command-table.js';

export const configCommands: Command[] = [
  {
    name: 'config show',
    usage: '',
    summary: 'Every convirt.conf value in effect, and the file line or default it came from.',
    notes: [
      'A file with an error is refused (exit 2) naming file, line and key; unknown keys are warnings.',
    ],
    run: async ({ json, io, convirt }) => {
      const info = await (await convirt()).configInfo();
      io.out(json ? JSON.stringify(info) : formatConfigText(info));
      return 0;
    },
  },
];

/** The file read, then one aligned row per key, grouped by section, then the warnings. */
export function formatConfigText(info: ConfigInfo): string {
  const rows = info.settings.map((s) => ({
    ...s,
    shown: s.value === null ? '(none)' : String(s.value),
  }));
  const keyWidth = Math.max(...rows.map((r) => r.key.length));
  const valueWidth = Math.max(...rows.map((r) => r.shown.length));
  const lines = [
    info.file
      ? `convirt.conf: ${info.file}`
      : `convirt.conf: none found, every value is a default (searched ${info.searched.join(', ')})`,
  ];
  let section: string | undefined;
  for (const row of rows) {
    if (row.section !== section) {
      section = row.section;
      lines.push('', `[${section}]`);
    }
    lines.push(
      `${row.key.padEnd(keyWidth)}  ${row.shown.padEnd(valueWidth)}  ${describeSource(row.source)}`,
    );
  }
  if (info.warnings.length) lines.push('', ...info.warnings.map((w) => `warning: ${w}`));
  return lines.join('\n');
}
