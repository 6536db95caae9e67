import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';

export interface Loaded<T> {
  data: T | null;
  /** The last failure (say it with sentenceForError), or null. */
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads `load()` now, again whenever `key` changes, and every `intervalMs` if given.
 * Keeps the last good data while reloading, and the last failure until a load succeeds.
 */
export function useLoader<T>(load: () => Promise<T>, key: unknown, intervalMs?: number): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  useLayoutEffect(() => {
    loadRef.current = load;
  });
  const alive = useRef(true);

  const reload = useCallback(() => {
    setLoading(true);
    loadRef.current().then(
      (value) => {
        if (!alive.current) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (!alive.current) return;
        setError(e ?? new Error('failed'));
        setLoading(false);
      },
    );
  }, []);

  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  useEffect(() => {
    reload();
    if (!intervalMs) return;
    const timer = setInterval(reload, intervalMs);
    return () => clearInterval(timer);
  }, [key, intervalMs, reload]);

  return { data, error, loading, reload };
}
