import { useCallback, useEffect, useRef, useState } from 'react';
import { useParley } from '../app/context';
import { useT } from '../i18n/context';
import { chime } from '../lib/sound';
import {
  failureHelp,
  levelOf,
  loadChoice,
  pickDevice,
  saveChoice,
  type DeviceChoice,
} from '../media/devices';
import { checkDevices, readinessOf, type CheckResult } from '../media/readiness';
import { Progress } from './Progress';

/** The preview stops after a while: no camera light and no CPU spent while someone idles. */
const PREVIEW_MS = 90_000;

const canPickSpeaker =
  typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;

/** True when the browser already lets Parley use both devices (no prompt would show). */
async function alreadyAllowed(): Promise<boolean> {
  try {
    const q = (name: string) =>
      navigator.permissions.query({ name: name as PermissionName }).then((s) => s.state);
    const [cam, mic] = await Promise.all([q('camera'), q('microphone')]);
    return cam === 'granted' && mic === 'granted';
  } catch {
    return false;
  }
}

function useLevel(stream: MediaStream | null): number {
  const [level, setLevel] = useState(0);
  useEffect(() => {
    if (!stream || stream.getAudioTracks().length === 0 || typeof AudioContext === 'undefined')
      return;
    const ctx = new AudioContext();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 512;
    ctx.createMediaStreamSource(stream).connect(analyser);
    const samples = new Uint8Array(analyser.fftSize);
    const timer = setInterval(() => {
      analyser.getByteTimeDomainData(samples);
      setLevel(levelOf(samples));
    }, 100);
    return () => {
      clearInterval(timer);
      void ctx.close();
    };
  }, [stream]);
  return level;
}

/**
 * Ready before Join: camera preview, microphone level, device choice (remembered), and what
 * to do when a device is refused or missing. The permission prompt happens here, never
 * after a match.
 */
export function DeviceCheck({ start = false }: { start?: boolean }) {
  const {
    devices: { setReadiness },
  } = useParley();
  const tr = useT();
  const [choice, setChoice] = useState<DeviceChoice>(loadChoice);
  const [result, setResult] = useState<CheckResult | null>(null);
  const [checking, setChecking] = useState(false);
  const [paused, setPaused] = useState(false);
  const [list, setList] = useState<MediaDeviceInfo[]>([]);
  const video = useRef<HTMLVideoElement>(null);
  const streamRef = useRef<MediaStream | null>(null);
  const level = useLevel(result?.stream ?? null);
  const supported = typeof navigator !== 'undefined' && !!navigator.mediaDevices?.getUserMedia;

  const stopPreview = () => {
    streamRef.current?.getTracks().forEach((t) => t.stop());
    streamRef.current = null;
  };

  const run = useCallback(
    async (next: DeviceChoice) => {
      setChecking(true);
      setPaused(false);
      stopPreview();
      const got = await checkDevices((c) => navigator.mediaDevices.getUserMedia(c), next);
      streamRef.current = got.stream;
      setResult(got);
      setChecking(false);
      setReadiness(readinessOf(got));
      // Labels are only visible once a device has been allowed.
      const found = await navigator.mediaDevices.enumerateDevices().catch(() => []);
      setList(found);
      const used = (kind: 'audio' | 'video') =>
        got.stream
          ?.getTracks()
          .find((t) => t.kind === kind)
          ?.getSettings().deviceId ?? null;
      const settled: DeviceChoice = {
        ...next,
        cameraId: used('video') ?? pickDevice(found, 'videoinput', next.cameraId),
        micId: used('audio') ?? pickDevice(found, 'audioinput', next.micId),
        speakerId: pickDevice(found, 'audiooutput', next.speakerId),
      };
      setChoice(settled);
      saveChoice(settled);
    },
    [setReadiness],
  );

  useEffect(() => {
    let cancelled = false;
    // Opened by Join: the person is about to talk, so ask now. Otherwise only when the
    // browser would not prompt.
    if (supported && start) void run(loadChoice());
    else if (supported)
      void alreadyAllowed().then((ok) => {
        if (ok && !cancelled) void run(loadChoice());
      });
    else setReadiness('no-microphone');
    return () => {
      cancelled = true;
      stopPreview();
    };
  }, [run, supported, setReadiness, start]);

  useEffect(() => {
    if (!result?.stream) return;
    const timer = setTimeout(() => {
      stopPreview();
      setPaused(true);
    }, PREVIEW_MS);
    return () => clearTimeout(timer);
  }, [result]);

  useEffect(() => {
    const el = video.current;
    if (!el) return;
    el.srcObject = result?.stream ?? null;
    if (result?.stream) void el.play().catch(() => {});
  }, [result]);

  const change = (patch: Partial<DeviceChoice>) => {
    const next = { ...choice, ...patch };
    setChoice(next);
    saveChoice(next);
    void run(next);
  };

  const hasVideo = !paused && (result?.stream?.getVideoTracks().length ?? 0) > 0;
  const options = (kind: MediaDeviceKind) => list.filter((d) => d.kind === kind && d.deviceId);
  const readiness = readinessOf(result);

  return (
    <section
      className="card device-check"
      aria-labelledby="device-check-title"
      data-testid="device-check"
    >
      <h2 id="device-check-title">{tr.t('device.title')}</h2>
      {!supported && <p className="blocked">{tr.t(failureHelp('unsupported', 'camera'))}</p>}
      {supported && !result && !checking && (
        <div className="stack">
          <p className="muted">{tr.t('device.intro')}</p>
          <button data-testid="check-devices" onClick={() => void run(choice)}>
            {tr.t('device.check')}
          </button>
        </div>
      )}
      {checking && <Progress text={tr.t('device.opening')} />}
      {result && (
        <div className="device-grid">
          <figure className="preview">
            <video
              ref={video}
              data-testid="device-preview"
              autoPlay
              playsInline
              muted
              aria-label={tr.t('device.preview')}
            />
            {!hasVideo && (
              <figcaption className="placeholder">
                {paused ? (
                  <button
                    className="secondary"
                    data-testid="preview-again"
                    onClick={() => void run(choice)}
                  >
                    {tr.t('device.previewAgain')}
                  </button>
                ) : choice.audioOnly ? (
                  tr.t('device.audioOnly')
                ) : (
                  tr.t('device.noCamera')
                )}
              </figcaption>
            )}
          </figure>
          <div className="stack">
            <label htmlFor="mic-level">{tr.t('device.level')}</label>
            <meter
              id="mic-level"
              data-testid="mic-level"
              min={0}
              max={1}
              low={0.05}
              value={result.microphone || paused ? 0 : level}
            />
            <DeviceSelect
              label={tr.t('device.camera')}
              testid="pick-camera"
              disabled={choice.audioOnly}
              devices={options('videoinput')}
              value={choice.cameraId}
              onChange={(cameraId) => change({ cameraId })}
            />
            <DeviceSelect
              label={tr.t('device.microphone')}
              testid="pick-microphone"
              devices={options('audioinput')}
              value={choice.micId}
              onChange={(micId) => change({ micId })}
            />
            {canPickSpeaker && (
              <DeviceSelect
                label={tr.t('device.speaker')}
                testid="pick-speaker"
                devices={options('audiooutput')}
                value={choice.speakerId}
                onChange={(speakerId) => change({ speakerId })}
              />
            )}
            <div className="row">
              <button
                className="secondary"
                data-testid="test-speaker"
                onClick={() => void chime(choice.speakerId)}
              >
                {tr.t('device.testSound')}
              </button>
              <label className="inline">
                <input
                  type="checkbox"
                  data-testid="audio-only"
                  checked={choice.audioOnly}
                  onChange={(e) => change({ audioOnly: e.target.checked })}
                />
                {tr.t('device.audioOnlyChoice')}
              </label>
            </div>
          </div>
        </div>
      )}
      {result?.camera && !choice.audioOnly && (
        <p className="help" role="alert" data-testid="camera-help">
          {tr.t(failureHelp(result.camera, 'camera'))}
          {readiness === 'audio-only' ? ` ${tr.t('device.stillAudioOnly')}` : ''}
        </p>
      )}
      {result?.microphone && (
        <p className="help" role="alert" data-testid="microphone-help">
          {tr.t(failureHelp(result.microphone, 'microphone'))}
        </p>
      )}
      {result && readiness !== 'ready' && (
        <button className="secondary" data-testid="check-again" onClick={() => void run(choice)}>
          {tr.t('device.checkAgain')}
        </button>
      )}
      {readiness === 'ready' && (
        <p className="ok" data-testid="devices-ready">
          {tr.t(choice.audioOnly ? 'device.readyMic' : 'device.readyBoth')}
        </p>
      )}
    </section>
  );
}

function DeviceSelect(props: {
  label: string;
  testid: string;
  devices: MediaDeviceInfo[];
  value: string | null;
  disabled?: boolean;
  onChange: (id: string) => void;
}) {
  const tr = useT();
  if (props.devices.length === 0) return null;
  return (
    <label>
      {props.label}
      <select
        data-testid={props.testid}
        value={props.value ?? ''}
        disabled={props.disabled}
        onChange={(e) => props.onChange(e.target.value)}
      >
        {props.devices.map((d, i) => (
          <option key={d.deviceId} value={d.deviceId}>
            {d.label || tr.t('device.numbered', { label: props.label, n: i + 1 })}
          </option>
        ))}
      </select>
    </label>
  );
}
