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

const NAME_FIRST = 'A-Za-z0-9._';
const NAME_REST = 'A-Za-z0-9._\\-';

/** `.` and `..` are path segments, not names: a name may become part of a path on a host. */
const NOT_DOTS = '(?!\\.\\.?$)';

/**
 * The name rule of VMs, hosts, snapshots, templates and ISOs: letters, digits, `.`, `_`, `-`; not
 * starting with `-` (it would read as an option), not `.` or `..`; 1 to 64 characters.
 */
export const NAME_RULE = new RegExp(`^${NOT_DOTS}[${NAME_FIRST}][${NAME_REST}]{0,63}$`);
/** NAME_RULE as the `pattern` attribute of an HTML input (which anchors it itself). */
export const NAME_INPUT_PATTERN = `${NOT_DOTS}[${NAME_FIRST}][${NAME_REST}]{0,63}`;
/**
 * Names that become a file or folder in a store (appliances, certificates): NAME_RULE, starting
 * with a letter or digit, so never a hidden file.
 */
export const FILE_NAME_RULE = new RegExp(`^[A-Za-z0-9][${NAME_REST}]{0,63}$`);

/** VM names follow NAME_RULE. */
export function validateVmName(name: string): string {
  if (!NAME_RULE.test(name)) {
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

/**
 * What a host path a client sends may hold: letters and digits of any script, space and
 * `._+@,:=%()-`. Never a character a shell gives a meaning to (`$`, quotes, backslash,
 * `;|&<>*?[]{}!#~`), a control or invisible formatting character, or a look-alike of those
 * (fullwidth `＄`). Commands are quoted anyway: this keeps a requested path from being more than
 * a path. (Paths ConVirt composes itself only need validateHostPath.)
 */
const CLIENT_HOST_PATH_CHARS = /^\/[\p{L}\p{M}\p{N} ._+@,:=%()/-]*$/u;

/** A host path from a client: validateHostPath, CLIENT_HOST_PATH_CHARS, no `.` segments. */
export function validateClientHostPath(path: string): string {
  validateHostPath(path);
  if (!CLIENT_HOST_PATH_CHARS.test(path) || path.split('/').includes('.')) {
    throw new InvalidInputError(
      'path',
      `Invalid host path ${JSON.stringify(path)}: use letters, digits, spaces and ._+@,:=%()- only, without '.' or '..' segments.`,
    );
  }
  return path;
}

/**
 * Text the operator labels things with (server pool names, tags): anything printable, but no
 * control characters, no invisible formatting characters (a right-to-left override or a
 * zero-width space would make one label look like another) and no line breaks.
 */
const LABEL_RULE = /^[^\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]*$/u;

export function validateLabel(text: string): string {
  if (!LABEL_RULE.test(text)) {
    throw new InvalidInputError(
      'label',
      `Invalid label ${JSON.stringify(text)}: control and invisible formatting characters are not allowed.`,
    );
  }
  return text;
}

/** A TCP port: a whole number from 1 to 65535. */
export function validatePort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidInputError(
      'port',
      `Invalid port ${JSON.stringify(port)}: use a whole number from 1 to 65535.`,
    );
  }
  return port;
}
