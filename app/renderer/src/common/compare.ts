// One collator for every sorted list: `vm2` before `vm10`. A shared Intl.Collator is many times
// faster than localeCompare with options, which builds one per call (5,000-row sorts notice).
const collator = new Intl.Collator(undefined, { numeric: true });

export const compareNames = (a: string, b: string): number => collator.compare(a, b);
