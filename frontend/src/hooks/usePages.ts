import { useCallback, useEffect, useState } from 'react';
import { appendPage } from '../lib/paging';

export type PageStatus = 'loading' | 'idle' | 'done';

/**
 * A newest-first list read a page at a time (history, starred words): the first page now, the
 * next on `more()`, `retry()` after a failure; rows already shown are not shown twice.
 */
export function usePages<T>(
  fetchPage: (cursor: string | null) => Promise<{ rows: T[]; nextCursor?: string | null }>,
  keyOf: (row: T) => string,
) {
  const [rows, setRows] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [status, setStatus] = useState<PageStatus>('loading');
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(
    async (from: string | null) => {
      setStatus('loading');
      setError(null);
      try {
        const page = await fetchPage(from);
        setRows((old) => appendPage(from ? old : [], page.rows, keyOf));
        setCursor(page.nextCursor ?? null);
        setStatus(page.nextCursor ? 'idle' : 'done');
      } catch (e) {
        setError(e ?? new Error('failed'));
        setStatus('idle');
      }
    },
    [fetchPage, keyOf],
  );
  useEffect(() => void load(null), [load]);

  return { rows, cursor, status, error, more: () => void load(cursor) };
}
