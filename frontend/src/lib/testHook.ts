// `window.__parley` lets browser tests read the current peer connection and the app state
// name (e.g. `await window.__parley.pc.getStats()` to see framesDecoded).

export interface ParleyTestHook {
  pc: RTCPeerConnection | null;
  state: string;
  callStatus: string | null;
  /** The key of the last alert shown while the tab was hidden. */
  alerted?: string | null;
  /** The partner's microphone and camera, as their page last said. */
  partner?: { mic: boolean; cam: boolean };
  /** The session whose connection this page has reported (direct mode). */
  connectedReported?: string | null;
}

declare global {
  interface Window {
    __parley?: ParleyTestHook;
  }
}

export function exposeForTests(values: Partial<ParleyTestHook>): void {
  if (typeof window === 'undefined') return;
  window.__parley = { pc: null, state: 'loading', callStatus: null, ...window.__parley, ...values };
}
