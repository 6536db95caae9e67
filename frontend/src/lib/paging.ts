// Pages of a newest-first list, appended as they come: a row seen twice (a page boundary that
// moved because a new row was added meanwhile) is shown once.

export function appendPage<T>(shown: T[], page: T[], keyOf: (row: T) => string): T[] {
  const seen = new Set(shown.map(keyOf));
  return [...shown, ...page.filter((row) => !seen.has(keyOf(row)))];
}
