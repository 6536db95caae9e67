import { useEffect, useState } from 'react';

/**
 * The local time, re-rendering every `intervalMs` (for countdowns and elapsed times). A hidden
 * tab's timers are slowed down by the browser, so the time is also read again the moment the
 * tab is shown: countdowns come from server deadlines and jump straight to the right value.
 */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const tick = () => setNow(Date.now());
    const timer = setInterval(tick, intervalMs);
    document.addEventListener('visibilitychange', tick);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', tick);
    };
  }, [intervalMs]);
  return now;
}
