// Errors the inventory throws for a request it refuses. Bad input is the shared
// InvalidInputError; these cover what only the stored state can decide.

/** The named host, group or task does not exist. */
export class NotFoundError extends Error {
  constructor(
    readonly kind: 'host' | 'group' | 'task',
    readonly key: string | number,
    message: string,
  ) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** The request clashes with what is stored: a duplicate name, a cycle, a group in use. */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** The database was written by a newer ConVirt than this one. */
export class DatabaseTooNewError extends Error {
  constructor(
    readonly file: string,
    readonly version: number,
    readonly knownVersion: number,
  ) {
    super(
      `${file} has schema version ${version}, but this ConVirt knows only up to version ` +
        `${knownVersion}: it was written by a newer ConVirt. Update ConVirt, or use another ` +
        `data folder (--data-dir).`,
    );
    this.name = 'DatabaseTooNewError';
  }
}
