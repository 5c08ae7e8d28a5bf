// Text substitution for appliance files (vm_conf.template and the like): `$NAME` and `${NAME}`
// are replaced by their values; variables the text names but nobody defines are left exactly as
// written (Python's safe_substitute), and `$$` is a literal `$`.

import { InvalidInputError } from '../../shared/validation/names.js';

export type TemplateVariables = Readonly<Record<string, string>>;

const VARIABLE = /\$(?:\$|([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})/g;

export function substitute(
  template: string,
  variables: TemplateVariables,
  escape: (value: string) => string = (v) => v,
): string {
  return template.replace(VARIABLE, (whole, bare?: string, braced?: string) => {
    const name = bare ?? braced;
    if (name === undefined) return '$';
    return Object.hasOwn(variables, name) ? escape(variables[name]!) : whole;
  });
}

/** Escapes a value for XML text and attribute values (quotes included). */
export function escapeXml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/**
 * A value for an xl config string ("..."): rather than rely on escapes, values with a quote,
 * a backslash or a control character are refused. `name` says which parameter in the error.
 */
export function xlStringValue(value: string, name = 'value'): string {
  if (/["\\\p{Cc}]/u.test(value))
    throw new InvalidInputError(
      name,
      `${name} cannot go into an xl config: no quotes, backslashes or control characters.`,
    );
  return value;
}
