// The values the packaging templates (distros/*/control, distros/*/convirt.spec) are filled with.
import { appInfo } from './stage.js';

export interface PackageValues {
  root: string;
  fields: Record<string, string>;
}

/**
 * The native modules are built for the Node.js that builds the package (its ABI), so packages
 * depend on that Node.js major version: a mismatch cannot be installed.
 */
export function packageValues(root: string, nodeVersion = process.versions.node): PackageValues {
  const info = appInfo(root);
  const major = Number(nodeVersion.split('.')[0]);
  return {
    root,
    fields: {
      VERSION: info.version,
      DESCRIPTION: info.description,
      LICENSE: info.license,
      NODE_MAJOR: String(major),
      NODE_NEXT_MAJOR: String(major + 1),
    },
  };
}

/** Replaces each @NAME@; a name without a value is an error rather than a broken package. */
export function fillTemplate(text: string, fields: Record<string, string>): string {
  return text.replace(/@([A-Z_]+)@/g, (whole, name: string) => {
    const value = fields[name];
    if (value === undefined) throw new Error(`no value for ${whole} in a packaging template`);
    return value;
  });
}
