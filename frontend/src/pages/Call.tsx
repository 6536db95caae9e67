import { useEffect, useState } from 'react';
import { useParley } from '../app/context';
import type { LiveSession } from '../api/types';
import { ChatPanel } from '../components/ChatPanel';
import { LengthNote } from '../components/LengthNote';
import { Dialog } from '../components/Dialog';
import { Safety } from '../components/Safety';
import { Progress } from '../components/Progress';
import { VideoTile } from '../components/VideoTile';
import { useCall } from '../hooks/useCall';
import { useNow } from '../hooks/useNow';
import { loadChoice } from '../media/devices';
import { QUALITY_WORDS } from '../media/quality';
import type { CallStatus } from '../media/types';
import { formatClock, isWarning, remainingSeconds } from '../lib/countdown';
import { limitOf, whyShorter } from '../lib/sessionLength';

/** After the countdown reaches 0, re-read the truth this often until the end is confirmed. */
const OVERTIME_REREAD_MS = 5_000;

const STATUS_WORDS: Record<CallStatus, string | null> = {
  starting: 'Opening your camera and microphone…',
  connecting: 'Connecting to your partner…',
  connected: null,
  reconnecting: 'The connection dropped — reconnecting…',
  'partner-left': 'Your partner left the call. They can come back until the time is up.',
  failed: null,
  closed: null,
};

export function Call({ session }: { session: LiveSession }) {
  const { state, actions, clock } = useParley();
  const call = useCall(session);
  const now = useNow(250);
  const [chatOpen, setChatOpen] = useState(() => call.chat.length > 0);
  const [safetyOpen, setSafetyOpen] = useState(false);
  const [speakerId] = useState(() => loadChoice().speakerId);
  const endsAt = call.join?.endsAt ?? session.endsAt;
  const left = remainingSeconds(endsAt, now, clock.offsetMs);
  const warning = isWarning(left);
  const partner = session.partner?.name || 'your partner';
  const overtime = left === 0;

  useEffect(() => {
    if (!overtime) return;
    const timer = setInterval(actions.reloadMe, OVERTIME_REREAD_MS);
    return () => clearInterval(timer);
  }, [overtime, actions]);

  const statusWords = call.error ?? STATUS_WORDS[call.status];

  return (
    <main className="call" id="main" data-testid="in-call">
      <h1 className="visually-hidden">Conversation with {partner}</h1>
      <div className="call-bar">
        <span>
          Talking with <strong>{partner}</strong>
        </span>
        {call.status === 'connected' && (
          <span
            className={`quality quality-${call.quality}`}
            data-testid="quality"
            data-quality={call.quality}
            role="img"
            aria-label={QUALITY_WORDS[call.quality]}
            title={QUALITY_WORDS[call.quality]}
          >
            <span aria-hidden="true" className="bars">
              <i />
              <i />
              <i />
            </span>
          </span>
        )}
        <span
          className={warning ? 'countdown warn' : 'countdown'}
          data-testid="countdown"
          data-seconds={left}
          aria-label="Time left"
        >
          {formatClock(left)}
        </span>
      </div>
      <LengthNote text={whyShorter(limitOf(session), session.partner?.name)} />
      {warning && (
        <p className="warning" role="alert" data-testid="time-warning">
          One minute left — time to say goodbye.
        </p>
      )}
      {overtime && <Progress text="Time is up — ending the conversation…" />}
      <div className="stage">
        <VideoTile
          stream={call.remote}
          testid="remote-video"
          label={`${partner}'s video`}
          placeholder={call.status === 'connected' ? 'Camera off' : `Waiting for ${partner}…`}
          cameraOff={call.status === 'connected' && !call.partnerState.cam}
          micOff={call.status === 'connected' && !call.partnerState.mic}
          name={session.partner?.name ?? undefined}
          sinkId={speakerId}
        />
        <VideoTile
          stream={call.local}
          testid="local-video"
          label="Your video"
          local
          cameraOff={!call.camOn}
          micOff={!call.micOn}
          name="You"
        />
      </div>
      {statusWords && (
        <div className="call-status" role="status" data-testid="call-status">
          {call.status === 'failed' || call.error ? (
            <>
              <span>{call.error ?? 'The video connection failed.'}</span>{' '}
              <button onClick={call.retry}>Retry</button>
            </>
          ) : (
            <Progress text={statusWords} />
          )}
        </div>
      )}
      {call.deviceProblem && <p className="muted small">{call.deviceProblem}</p>}
      <div className="controls">
        <button
          data-testid="mute"
          aria-pressed={!call.micOn}
          className={call.micOn ? 'secondary' : 'secondary off'}
          onClick={() => void call.toggleMic()}
        >
          {call.micOn ? 'Mute' : 'Unmute'}
        </button>
        <button
          data-testid="camera"
          aria-pressed={!call.camOn}
          className={call.camOn ? 'secondary' : 'secondary off'}
          onClick={() => void call.toggleCamera()}
        >
          {call.camOn ? 'Camera off' : 'Camera on'}
        </button>
        {call.canShareScreen && (
          <button
            data-testid="share-screen"
            className="secondary"
            onClick={() => void call.toggleShare()}
          >
            {call.sharing ? 'Stop sharing' : 'Share screen'}
          </button>
        )}
        <button
          data-testid="chat-toggle"
          className="secondary"
          onClick={() => setChatOpen(!chatOpen)}
        >
          {chatOpen ? 'Hide chat' : `Chat${call.chat.length ? ` (${call.chat.length})` : ''}`}
        </button>
        {session.partner && (
          <button
            className="secondary"
            data-testid="call-safety"
            aria-haspopup="dialog"
            onClick={() => setSafetyOpen(true)}
          >
            Block or report
          </button>
        )}
        <button
          data-testid="stop"
          className="danger"
          disabled={state.stopping}
          onClick={() => void actions.stop(session.sessionId)}
        >
          {state.stopping ? 'Ending…' : 'Stop'}
        </button>
      </div>
      {chatOpen && <ChatPanel lines={call.chat} send={call.sendChat} partner={partner} />}
      {safetyOpen && session.partner && (
        <Dialog
          title={`Block or report ${partner}`}
          testid="safety-dialog"
          onClose={() => setSafetyOpen(false)}
        >
          <p className="muted small">
            Blocking does not end this call — press Stop for that. {partner} is not told.
          </p>
          <Safety partner={session.partner} sessionId={session.sessionId} />
        </Dialog>
      )}
    </main>
  );
}
