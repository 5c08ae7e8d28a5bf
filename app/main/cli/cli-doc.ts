// docs/cli.md, made from the command table (npm run docs:cli); a unit test fails when the
// committed file differs, so the reference cannot fall behind the commands.
import { GLOBAL_OPTIONS, OPTIONS, type Command } from './command-table.js';

export function cliDoc(commands: readonly Command[]): string {
  const groups = [...new Set(commands.map((c) => c.name.split(' ')[0]!))];
  const option = (name: (typeof GLOBAL_OPTIONS)[number]) => {
    const { value, help } = OPTIONS[name] as { value?: string; help?: string };
    return `- \`--${name}${value ? ` ${value}` : ''}\`: ${help ?? ''}`;
  };
  const section = (group: string) => [
    `## ${group}`,
    '',
    ...commands
      .filter((c) => c.name.split(' ')[0] === group)
      .flatMap((c) => [
        `### \`${`${c.name} ${c.usage}`.trimEnd()}\``,
        '',
        c.summary,
        ...(c.notes?.length ? ['', ...c.notes.map((n) => `- ${n}`)] : []),
        '',
      ]),
  ];
  return [
    '# convirtctl',
    '',
    '<!-- Generated from app/main/cli/commands/ by `npm run docs:cli`: edit the command table, not this file. -->',
    '',
    'ConVirt for scripts and operators without a display: the same contract the UI uses, called in',
    'process. Run it as `npm run convirtctl -- COMMAND ...` or `bin/convirtctl.js COMMAND ...`.',
    '',
    'Exit status: 0 ok, 1 the operation failed, 2 bad usage or refused input (nothing was run).',
    'Operations on VMs are tasks: convirtctl waits for the task and prints its outcome',
    '(`task show ID` prints its log).',
    '',
    'Options of every command:',
    '',
    ...GLOBAL_OPTIONS.map(option),
    '',
    ...groups.flatMap(section),
  ].join('\n');
}
