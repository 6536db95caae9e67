// Pages of a newest-first list, appended as they come: a row seen twice (a page boundary that
// moved because a new conversation was added meanwhile) is shown once.

export function appendPage<T extends { sessionId: string }>(shown: T[], page: T[]): T[] {
  const seen = new Set(shown.map((s) => s.sessionId));
  return [...shown, ...page.filter((s) => !seen.has(s.sessionId))];
}
