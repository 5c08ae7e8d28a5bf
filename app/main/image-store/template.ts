// ConVirt's template substitution: `$NAME` and `${NAME}` are replaced by their values; variables
// the template names but nobody defines are left exactly as written (Python's safe_substitute),
// and `$$` is a literal `$`.

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
