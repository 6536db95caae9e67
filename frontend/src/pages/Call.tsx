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
import { useT } from '../i18n/context';
import type { MessageKey } from '../i18n/translator';
import { DEVICE_PROBLEMS, loadChoice } from '../media/devices';
import { QUALITY_WORDS } from '../media/quality';
import type { CallStatus } from '../media/types';
import { formatClock, isWarning, remainingSeconds } from '../lib/countdown';
import { limitOf, whyShorter } from '../lib/sessionLength';

/** After the countdown reaches 0, re-read the truth this often until the end is confirmed. */
const OVERTIME_REREAD_MS = 5_000;

const STATUS_WORDS: Record<CallStatus, MessageKey | null> = {
  starting: 'call.starting',
  connecting: 'call.connecting',
  connected: null,
  reconnecting: 'call.reconnecting',
  'partner-left': 'call.partnerLeft',
  failed: null,
  closed: null,
};

export function Call({ session }: { session: LiveSession }) {
  const { state, actions, clock } = useParley();
  const tr = useT();
  const call = useCall(session);
  const now = useNow(250);
  const [chatOpen, setChatOpen] = useState(() => call.chat.length > 0);
  const [safetyOpen, setSafetyOpen] = useState(false);
  const [speakerId] = useState(() => loadChoice().speakerId);
  const endsAt = call.join?.endsAt ?? session.endsAt;
  const left = remainingSeconds(endsAt, now, clock.offsetMs);
  const warning = isWarning(left);
  const partner = session.partner?.name || tr.t('common.yourPartnerLower');
  const overtime = left === 0;

  useEffect(() => {
    if (!overtime) return;
    const timer = setInterval(actions.reloadMe, OVERTIME_REREAD_MS);
    return () => clearInterval(timer);
  }, [overtime, actions]);

  const statusKey = STATUS_WORDS[call.status];
  const statusWords = call.error ?? (statusKey && tr.t(statusKey));

  return (
    <main className="call" id="main" data-testid="in-call">
      <h1 className="visually-hidden">{tr.t('call.heading', { name: partner })}</h1>
      <div className="call-bar">
        <span>
          {tr.rich('call.talkingWith', { name: partner, b: (c) => <strong>{c}</strong> })}
        </span>
        {call.status === 'connected' && (
          <span
            className={`quality quality-${call.quality}`}
            data-testid="quality"
            data-quality={call.quality}
            role="img"
            aria-label={tr.t(QUALITY_WORDS[call.quality])}
            title={tr.t(QUALITY_WORDS[call.quality])}
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
          aria-label={tr.t('call.timeLeft')}
        >
          {formatClock(left)}
        </span>
      </div>
      <LengthNote text={whyShorter(tr, limitOf(session), session.partner?.name)} />
      {warning && (
        <p className="warning" role="alert" data-testid="time-warning">
          {tr.t('call.oneMinute')}
        </p>
      )}
      {overtime && <Progress text={tr.t('call.overtime')} />}
      <div className="stage">
        <VideoTile
          stream={call.remote}
          testid="remote-video"
          label={tr.t('call.theirVideo', { name: partner })}
          placeholder={
            call.status === 'connected'
              ? tr.t('call.cameraOff')
              : tr.t('call.waitingFor', { name: partner })
          }
          cameraOff={call.status === 'connected' && !call.partnerState.cam}
          micOff={call.status === 'connected' && !call.partnerState.mic}
          name={session.partner?.name ?? undefined}
          sinkId={speakerId}
        />
        <VideoTile
          stream={call.local}
          testid="local-video"
          label={tr.t('call.yourVideo')}
          local
          cameraOff={!call.camOn}
          micOff={!call.micOn}
          name={tr.t('common.you')}
        />
      </div>
      {statusWords && (
        <div className="call-status" role="status" data-testid="call-status">
          {call.status === 'failed' || call.error ? (
            <>
              <span>{call.error ?? tr.t('call.failed')}</span>{' '}
              <button onClick={call.retry}>{tr.t('common.retry')}</button>
            </>
          ) : (
            <Progress text={statusWords} />
          )}
        </div>
      )}
      {call.deviceProblem && (
        <p className="muted small">{tr.t(DEVICE_PROBLEMS[call.deviceProblem])}</p>
      )}
      <div className="controls">
        <button
          data-testid="mute"
          aria-pressed={!call.micOn}
          className={call.micOn ? 'secondary' : 'secondary off'}
          onClick={() => void call.toggleMic()}
        >
          {call.micOn ? tr.t('call.mute') : tr.t('call.unmute')}
        </button>
        <button
          data-testid="camera"
          aria-pressed={!call.camOn}
          className={call.camOn ? 'secondary' : 'secondary off'}
          onClick={() => void call.toggleCamera()}
        >
          {call.camOn ? tr.t('call.cameraOffButton') : tr.t('call.cameraOn')}
        </button>
        {call.canShareScreen && (
          <button
            data-testid="share-screen"
            className="secondary"
            onClick={() => void call.toggleShare()}
          >
            {call.sharing ? tr.t('call.stopSharing') : tr.t('call.shareScreen')}
          </button>
        )}
        <button
          data-testid="chat-toggle"
          className="secondary"
          onClick={() => setChatOpen(!chatOpen)}
        >
          {chatOpen ? tr.t('call.hideChat') : tr.t('call.chat', { count: call.chat.length })}
        </button>
        {session.partner && (
          <button
            className="secondary"
            data-testid="call-safety"
            aria-haspopup="dialog"
            onClick={() => setSafetyOpen(true)}
          >
            {tr.t('common.blockOrReport')}
          </button>
        )}
        <button
          data-testid="stop"
          className="danger"
          disabled={state.stopping}
          onClick={() => void actions.stop(session.sessionId)}
        >
          {state.stopping ? tr.t('call.ending') : tr.t('call.stop')}
        </button>
      </div>
      {chatOpen && <ChatPanel lines={call.chat} send={call.sendChat} partner={partner} />}
      {safetyOpen && session.partner && (
        <Dialog
          title={tr.t('common.blockOrReportName', { name: partner })}
          testid="safety-dialog"
          onClose={() => setSafetyOpen(false)}
        >
          <p className="muted small">{tr.t('call.blockingNote', { name: partner })}</p>
          <Safety partner={session.partner} sessionId={session.sessionId} />
        </Dialog>
      )}
    </main>
  );
}
