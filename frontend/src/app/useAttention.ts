// Shows an alert (lib/attention.ts) while the tab is hidden: the title, a chime, and a system
// notification if the person allowed them. The title comes back when the tab is visible.

import { useEffect, useRef } from 'react';
import { alertFor, BASE_TITLE } from '../lib/attention';
import { exposeForTests } from '../lib/testHook';
import { chime } from '../lib/sound';
import { loadChoice } from '../media/devices';
import type { AppState } from '../state/types';
import type { Translator } from '../i18n/translator';

const hidden = () => typeof document !== 'undefined' && document.visibilityState === 'hidden';

export function useAttention(state: AppState, tr: Translator): void {
  const prev = useRef<AppState>(state);
  const shown = useRef<Set<string>>(new Set());

  useEffect(() => {
    const before = prev.current;
    prev.current = state;
    const alert = alertFor(tr, before, state);
    if (!alert || !hidden() || shown.current.has(alert.key)) return;
    shown.current.add(alert.key);
    document.title = `${alert.title} — ${BASE_TITLE}`;
    exposeForTests({ alerted: alert.key });
    void chime(loadChoice().speakerId);
    if (typeof Notification !== 'undefined' && Notification.permission === 'granted') {
      try {
        const n = new Notification(alert.title, {
          body: alert.body,
          tag: alert.key,
        });
        n.onclick = () => {
          window.focus();
          n.close();
        };
      } catch {
        // Some browsers allow notifications only from a service worker: the title still shows.
      }
    }
  }, [state, tr]);

  useEffect(() => {
    const back = () => {
      if (!hidden()) document.title = BASE_TITLE;
    };
    document.addEventListener('visibilitychange', back);
    return () => document.removeEventListener('visibilitychange', back);
  }, []);
}
