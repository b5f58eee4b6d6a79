/**
 * The one ordering detect sorts by: UTF-16 code units, as `<` compares strings. Unlike
 * localeCompare it gives the same order on every machine and locale, which the manifest's
 * byte-for-byte determinism depends on.
 */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  return [...items].sort((a, b) => compareCodeUnits(key(a), key(b)));
}

export function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareCodeUnits);
}
