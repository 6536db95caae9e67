import { useCallback, useEffect, useState } from 'react';
import { useParley } from '../app/context';
import type { LiveSession } from '../api/types';
import { ChatPanel } from '../components/ChatPanel';
import { LengthNote } from '../components/LengthNote';
import { Confirm } from '../components/Confirm';
import { Dialog } from '../components/Dialog';
import { Icon, type IconName } from '../components/Icon';
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
import { isMac, shortcutKeys, shortcutOf } from '../lib/shortcuts';
import { showsHalfTimeCue, switchTo } from '../lib/tandem';

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
  const { state, actions, clock, api } = useParley();
  const tr = useT();
  const call = useCall(session);
  const now = useNow(250);
  const [chatOpen, setChatOpen] = useState(() => call.chat.length > 0);
  const [safetyOpen, setSafetyOpen] = useState(false);
  const [asking, setAsking] = useState<'stop' | 'sign-out' | null>(null);
  const [askingTopic, setAskingTopic] = useState(false);
  const [kept, setKept] = useState<ReadonlySet<string>>(() => new Set());
  const [mac] = useState(() => typeof navigator !== 'undefined' && isMac(navigator.platform));
  const [speakerId] = useState(() => loadChoice().speakerId);
  const endsAt = call.join?.endsAt ?? session.endsAt;
  const left = remainingSeconds(endsAt, now, clock.offsetMs);
  const warning = isWarning(left);
  const partner = session.partner?.name || tr.t('common.yourPartnerLower');
  const overtime = left === 0;
  // A tandem spends half the session in each language: at half time both are told to switch.
  const nextLanguage = switchTo(
    state.me?.preferences ?? {},
    session.partner ?? {},
    session.topic?.language,
  );
  const halfTimeWords =
    nextLanguage !== null && showsHalfTimeCue(session.startsAt, endsAt, now, clock.offsetMs)
      ? tr.t('call.halfTime', { language: tr.language(nextLanguage) })
      : '';

  useEffect(() => {
    if (!overtime) return;
    const timer = setInterval(actions.reloadMe, OVERTIME_REREAD_MS);
    return () => clearInterval(timer);
  }, [overtime, actions]);

  // Ctrl+D / Ctrl+E (Cmd on macOS): mute and camera from anywhere on the call screen.
  const { toggleMic, toggleCamera } = call;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const which = shortcutOf(e, mac);
      if (!which) return;
      e.preventDefault(); // Ctrl+D would bookmark, Ctrl+E focus the address bar
      void (which === 'mic' ? toggleMic() : toggleCamera());
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [mac, toggleMic, toggleCamera]);

  const closeAsking = useCallback(() => setAsking(null), []);

  async function anotherTopic() {
    setAskingTopic(true);
    await actions.run(() => api.nextTopic(session.sessionId));
    setAskingTopic(false);
  }

  async function keepWord(text: string) {
    if (kept.has(text)) return;
    const ok = await actions.run(() => api.starWord(session.sessionId, text));
    if (ok) setKept((k) => new Set(k).add(text));
  }

  const statusKey = STATUS_WORDS[call.status];
  const statusWords = call.error ?? (statusKey && tr.t(statusKey));

  return (
    <main className={chatOpen ? 'call with-chat' : 'call'} id="main" data-testid="in-call">
      <h1 className="visually-hidden">{tr.t('call.heading', { name: partner })}</h1>
      <div className="call-main">
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
        {/* Always present, so the cue is announced (politely) when its words appear. */}
        <p className="visually-hidden" aria-live="polite" data-testid="half-time-announcement">
          {halfTimeWords}
        </p>
        {halfTimeWords && (
          <p
            className="warning"
            aria-hidden="true"
            data-testid="half-time"
            data-language={nextLanguage}
          >
            {halfTimeWords}
          </p>
        )}
        {session.topic && (
          <section className="topic" data-testid="topic" aria-labelledby="topic-title">
            <h2 id="topic-title" className="small muted">
              {tr.t('call.topic')}
            </h2>
            <p data-testid="topic-text" aria-live="polite" lang={session.topic.language} dir="auto">
              {session.topic.text}
            </p>
            <button
              className="secondary small-button"
              data-testid="another-topic"
              disabled={askingTopic}
              onClick={() => void anotherTopic()}
            >
              {tr.t('call.anotherTopic')}
            </button>
          </section>
        )}
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
      </div>
      {chatOpen && (
        <ChatPanel
          lines={call.chat}
          send={call.sendChat}
          partner={partner}
          kept={kept}
          keep={(text) => void keepWord(text)}
        />
      )}
      <div className="controls" role="group" aria-label={tr.t('call.controls')}>
        <ControlButton
          testid="mute"
          icon={call.micOn ? 'mic' : 'micOff'}
          label={call.micOn ? tr.t('call.mute') : tr.t('call.unmute')}
          keys={shortcutKeys('mic', mac)}
          pressed={!call.micOn}
          onClick={() => void call.toggleMic()}
        />
        <ControlButton
          testid="camera"
          icon={call.camOn ? 'cam' : 'camOff'}
          label={call.camOn ? tr.t('call.cameraOffButton') : tr.t('call.cameraOn')}
          keys={shortcutKeys('camera', mac)}
          pressed={!call.camOn}
          onClick={() => void call.toggleCamera()}
        />
        {call.canShareScreen && (
          <ControlButton
            testid="share-screen"
            icon="screen"
            label={call.sharing ? tr.t('call.stopSharing') : tr.t('call.shareScreen')}
            pressed={call.sharing}
            onClick={() => void call.toggleShare()}
          />
        )}
        <ControlButton
          testid="chat-toggle"
          icon="chat"
          label={chatOpen ? tr.t('call.hideChat') : tr.t('call.chat', { count: call.chat.length })}
          expanded={chatOpen}
          onClick={() => setChatOpen(!chatOpen)}
        />
        {session.partner && (
          <ControlButton
            testid="call-safety"
            icon="shield"
            label={tr.t('common.blockOrReport')}
            popup
            onClick={() => setSafetyOpen(true)}
          />
        )}
        <ControlButton
          testid="stop"
          icon="stop"
          danger
          label={state.stopping ? tr.t('call.ending') : tr.t('call.stop')}
          disabled={state.stopping}
          popup
          onClick={() => setAsking('stop')}
        />
        <ControlButton
          testid="sign-out"
          icon="signOut"
          label={tr.t('header.signOut')}
          popup
          onClick={() => setAsking('sign-out')}
        />
      </div>
      {asking === 'stop' && (
        <Confirm
          testid="stop-confirm"
          title={tr.t('stop.title')}
          confirm={tr.t('stop.confirm')}
          cancel={tr.t('stop.keep')}
          onCancel={closeAsking}
          onConfirm={() => {
            setAsking(null);
            void actions.stop(session.sessionId);
          }}
        >
          <p>{tr.t('stop.body', { name: partner })}</p>
        </Confirm>
      )}
      {asking === 'sign-out' && (
        <Confirm
          testid="sign-out-confirm"
          title={tr.t('signOut.title')}
          confirm={tr.t('signOut.confirm')}
          cancel={tr.t('stop.keep')}
          onCancel={closeAsking}
          onConfirm={() => {
            setAsking(null);
            void actions.signOutDuringCall(session.sessionId);
          }}
        >
          <p>{tr.t('signOut.body', { name: partner })}</p>
        </Confirm>
      )}
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

/** An icon button of the control bar: its label is its accessible name and its tooltip. */
function ControlButton(props: {
  testid: string;
  icon: IconName;
  label: string;
  keys?: string;
  pressed?: boolean;
  expanded?: boolean;
  popup?: boolean;
  danger?: boolean;
  disabled?: boolean;
  onClick: () => void;
}) {
  const tr = useT();
  const title = props.keys
    ? tr.t('call.shortcut', { action: props.label, keys: props.keys })
    : props.label;
  const classes = ['control', props.danger ? 'danger' : 'secondary', props.pressed ? 'off' : ''];
  return (
    <button
      data-testid={props.testid}
      className={classes.join(' ').trim()}
      aria-label={props.label}
      title={title}
      aria-pressed={props.pressed}
      aria-expanded={props.expanded}
      aria-haspopup={props.popup ? 'dialog' : undefined}
      aria-keyshortcuts={props.keys?.replace('⌘', 'Meta+').replace('Ctrl', 'Control')}
      disabled={props.disabled}
      onClick={props.onClick}
    >
      <Icon name={props.icon} />
      <span className="control-label" aria-hidden="true">
        {props.label}
      </span>
    </button>
  );
}
