// Checks the dialogs share: a field's problem as a message, and HTTP header rows (NAME and a
// secret VALUE typed apart) checked by the shared validator and joined into NAME:VALUE.
import { parseHttpHeader } from '../../../shared/validation/download-source.js';

export interface HeaderRow {
  name: string;
  value: string;
}

/** Field errors by field, e.g. `url`, and `header-N` for the Nth header row. */
export type FormErrors = Partial<Record<string, string>>;

/** The message of what `check` throws, undefined when it passes. */
export function problem(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** Blank rows are ignored; each other row becomes `NAME:VALUE` or an error at `header-N`. */
export function checkHeaderRows(rows: readonly HeaderRow[]): {
  headers: string[];
  errors: FormErrors;
} {
  const filled = rows
    .map((h, i) => ({ i, text: `${h.name.trim()}:${h.value.trim()}`, blank: !h.name && !h.value }))
    .filter((h) => !h.blank);
  return {
    headers: filled.map((h) => h.text),
    errors: Object.fromEntries(
      filled.map((h) => [`header-${h.i}`, problem(() => parseHttpHeader(h.text))]),
    ),
  };
}

/** Only the fields that have an error. */
export function foundErrors(errors: FormErrors): FormErrors {
  return Object.fromEntries(Object.entries(errors).filter(([, e]) => e !== undefined));
}
