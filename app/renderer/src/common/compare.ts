// Natural order for every sorted list: `vm2` before `vm10`. Pool names (free text) use one shared
// Intl.Collator, many times faster than localeCompare with options, which builds one per call.
// Host and VM names, which run to 1,000 and 50,000, sort by cached natural keys under plain `<`,
// in the tree, the grid and the migration dialog alike.
const collator = new Intl.Collator(undefined, { numeric: true });

export const compareNames = (a: string, b: string): number => collator.compare(a, b);

/**
 * A string that sorts in natural order under plain `<` (digit runs padded to 16, case folded).
 * Unlike the collator it orders by code unit: punctuation such as `_` after digits, letters
 * outside ASCII after `z`; names that differ only in case come uppercase first.
 * Cached: names repeat across polls and views.
 */
const naturalKeys = new Map<string, string>();
export function naturalKey(text: string): string {
  let key = naturalKeys.get(text);
  if (key === undefined) {
    key = text.toLowerCase().replace(/\d+/g, (digits) => digits.padStart(16, '0'));
    if (naturalKeys.size > 500_000) naturalKeys.clear();
    naturalKeys.set(text, key);
  }
  return key;
}

/**
 * `items` sorted in natural order of `nameOf` (ties, names that differ only in case, by plain
 * order, so the result does not depend on the order they came in). A new array.
 */
export function sortByNaturalName<T>(items: readonly T[], nameOf: (item: T) => string): T[] {
  const decorated = items.map((item) => {
    const name = nameOf(item);
    return { item, name, key: naturalKey(name) };
  });
  decorated.sort((a, b) =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  return decorated.map((d) => d.item);
}

/** Names (hosts) in natural order: sortByNaturalName of the names themselves. */
export function sortNamesNaturally(names: readonly string[]): string[] {
  return sortByNaturalName(names, (name) => name);
}
