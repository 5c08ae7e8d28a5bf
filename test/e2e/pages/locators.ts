// Small helpers the page objects share.
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** An accessible name that starts with `prefix` followed by `, ` (our tree and task names). */
export function namePrefixed(prefix: string): RegExp {
  return new RegExp(`^${escapeRegExp(prefix)}, `);
}
