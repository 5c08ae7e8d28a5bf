// Validation shared by the UI, the command line and main: the same rule, one place.

export class InvalidInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidInputError';
  }
}

const VM_NAME = /^[A-Za-z0-9._][A-Za-z0-9._-]{0,63}$/;

/** VM names: letters, digits, `.`, `_`, `-`; not starting with `-`; 1 to 64 characters. */
export function validateVmName(name: string): string {
  if (!VM_NAME.test(name)) {
    throw new InvalidInputError(
      'name',
      `Invalid VM name ${JSON.stringify(name)}: use 1 to 64 letters, digits, '.', '_' or '-', not starting with '-'.`,
    );
  }
  return name;
}

/** Absolute host paths without NUL, newlines or `..` segments. */
export function validateHostPath(path: string): string {
  const bad =
    !path.startsWith('/') ||
    path.length > 4096 ||
    /[\0\n\r]/.test(path) ||
    path.split('/').includes('..');
  if (bad) {
    throw new InvalidInputError(
      'path',
      `Invalid host path ${JSON.stringify(path)}: it must be absolute, without '..' segments or control characters.`,
    );
  }
  return path;
}
