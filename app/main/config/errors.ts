// What goes wrong reading convirt.conf. A ConfigError stops ConVirt before anything starts (the
// front ends print its message and exit); a ConfigWarning is printed and ConVirt goes on.

/** Where in a file something was found; `line` is 1-based, absent for the file as a whole. */
export interface FilePlace {
  file: string;
  line?: number;
}

export interface ConfigProblem extends FilePlace {
  /** The section and key the problem is about, when there is one. */
  section?: string;
  key?: string;
  message: string;
}

/** `FILE line N: [SECTION] key: message`, the one way problems and warnings are printed. */
export function describeProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? p.file : `${p.file} line ${p.line}`;
  const what = p.key === undefined ? '' : `${p.section ? `[${p.section}] ` : ''}${p.key}: `;
  return `${where}: ${what}${p.message}`;
}

/** convirt.conf cannot be used: every problem found, one per line. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map(describeProblem).join('\n'));
    this.name = 'ConfigError';
  }
}

export type ConfigWarning = ConfigProblem;
