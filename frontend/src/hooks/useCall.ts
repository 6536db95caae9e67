import { useCallback, useEffect, useRef, useState } from 'react';
import { useParley } from '../app/context';
import { ApiError } from '../api/http';
import { sentenceForError } from '../api/problems';
import type { JoinAnswer, LiveSession } from '../api/types';
import { startCall } from '../media/call';
import { PresenceReporter } from '../media/presence';
import type { CallHandle, CallStatus } from '../media/types';
import { loadChat, saveChat, type ChatLine } from '../lib/chatStore';
import { exposeForTests } from '../lib/testHook';
import type { PartnerState } from '../media/channel';
import type { DeviceProblem } from '../media/devices';
import { useT } from '../i18n/context';
import type { Quality } from '../media/quality';

export type { ChatLine };

const ENDED_CODES = new Set(['session-not-live', 'not-a-participant']);

/** Joins the session (credentials), runs its media, and exposes the controls. */
export function useCall(session: LiveSession) {
  const { api, inbox, actions, isSessionOver } = useParley();
  const [attempt, setAttempt] = useState(0);
  const [join, setJoin] = useState<JoinAnswer | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const tr = useT();
  const [status, setStatus] = useState<CallStatus>('starting');
  const [local, setLocal] = useState<MediaStream | null>(null);
  const [remote, setRemote] = useState<MediaStream | null>(null);
  const [deviceProblem, setDeviceProblem] = useState<DeviceProblem | null>(null);
  const [chat, setChat] = useState<ChatLine[]>(() => loadChat(session.sessionId));
  const [partnerState, setPartnerState] = useState<PartnerState>({ mic: true, cam: true });
  const [quality, setQuality] = useState<Quality>('unknown');
  const [micOn, setMicOn] = useState(true);
  const [camOn, setCamOn] = useState(true);
  const [sharing, setSharing] = useState(false);
  const handle = useRef<CallHandle | null>(null);
  const lineId = useRef(chat.reduce((n, l) => Math.max(n, l.id), 0));
  const sessionId = session.sessionId;

  useEffect(() => saveChat(sessionId, chat), [sessionId, chat]);

  const addLine = useCallback((text: string, fromMe: boolean) => {
    lineId.current += 1;
    const line = { id: lineId.current, text, fromMe };
    setChat((lines) => [...lines.slice(-99), line]);
  }, []);

  useEffect(() => {
    let cancelled = false;
    let started: CallHandle | null = null;
    // Direct mode: minutes are charged for the time both are in the room, which each browser
    // reports from its peer connection (LiveKit's webhooks tell the server in livekit mode).
    const presence = new PresenceReporter((present) =>
      present
        ? api
            .reportConnected(sessionId)
            .then(() => exposeForTests({ connectedReported: sessionId }))
        : api.reportDisconnected(sessionId),
    );
    setFailure(null);
    setStatus('starting');
    (async () => {
      try {
        const answer = await api.joinSession(sessionId);
        if (cancelled) return;
        setJoin(answer);
        started = await startCall(
          answer,
          inbox,
          (kind, data, keepalive) => api.signal(sessionId, kind, data, keepalive),
          {
            onStatus: (s) => {
              if (cancelled) return;
              setStatus(s);
              exposeForTests({ callStatus: s });
            },
            onPeerState: (peer) => presence.onPeerState(peer),
            onLocalStream: (s) => !cancelled && setLocal(s),
            onRemoteStream: (s) =>
              !cancelled && setRemote(s ? new MediaStream(s.getTracks()) : null),
            onChat: (text) => !cancelled && addLine(text, false),
            onDeviceProblem: (problem) => !cancelled && setDeviceProblem(problem),
            onSharing: (on) => !cancelled && setSharing(on),
            onPartnerState: (p) => {
              if (cancelled) return;
              setPartnerState(p);
              exposeForTests({ partner: p });
            },
            onQuality: (q) => !cancelled && setQuality(q),
          },
        );
        if (cancelled) started.close(false);
        else handle.current = started;
      } catch (e) {
        if (cancelled) return;
        setFailure(e ?? new Error('failed'));
        setStatus('failed');
        if (e instanceof ApiError && ENDED_CODES.has(e.code)) actions.reloadMe();
      }
    })();
    return () => {
      cancelled = true;
      presence.close();
      started?.close(!isSessionOver(sessionId));
      handle.current = null;
      exposeForTests({ callStatus: null });
    };
  }, [sessionId, attempt, api, inbox, actions, addLine, isSessionOver]);

  // Said at render time, so a change of language reaches it too.
  const error =
    failure === null
      ? null
      : failure instanceof ApiError
        ? sentenceForError(tr, failure)
        : tr.t('call.couldNotStart');

  return {
    join,
    error,
    retry: () => setAttempt((n) => n + 1),
    status,
    local,
    remote,
    deviceProblem,
    chat,
    partnerState,
    quality,
    canShareScreen:
      join !== null &&
      typeof navigator !== 'undefined' &&
      !!navigator.mediaDevices?.getDisplayMedia,
    micOn,
    camOn,
    sharing,
    sendChat(text: string): boolean {
      const ok = handle.current?.sendChat(text) ?? false;
      if (ok) addLine(text, true);
      return ok;
    },
    async toggleMic() {
      await handle.current?.setMicrophone(!micOn);
      setMicOn(!micOn);
    },
    async toggleCamera() {
      await handle.current?.setCamera(!camOn);
      setCamOn(!camOn);
    },
    async toggleShare() {
      if (!handle.current) return;
      if (sharing) await handle.current.stopScreenShare();
      else await handle.current.startScreenShare();
    },
  };
}
