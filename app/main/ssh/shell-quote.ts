// Every remote command is an argument list; this turns it into one POSIX shell string.
// Single quotes make every byte literal; a single quote itself becomes '\''.

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function quoteArg(arg: string): string {
  if (arg.includes('\0')) throw new Error('A command argument cannot contain a NUL byte.');
  if (arg !== '' && SAFE.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

export function buildCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('Empty command.');
  return argv.map(quoteArg).join(' ');
}
