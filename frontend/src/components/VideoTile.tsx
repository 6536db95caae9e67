import { useEffect, useRef } from 'react';
import { useT } from '../i18n/context';

type SinkVideo = HTMLVideoElement & { setSinkId?: (id: string) => Promise<void> };

/**
 * A <video> showing a MediaStream; the local one is muted (no echo) and mirrored. When the
 * person's camera is off the tile shows a placeholder with their initial instead of a black
 * frame (the video keeps playing underneath: it carries the sound).
 */
export function VideoTile(props: {
  stream: MediaStream | null;
  testid: string;
  label: string;
  local?: boolean;
  placeholder?: string;
  /** The person turned their camera off (their page said so). */
  cameraOff?: boolean;
  /** The person muted their microphone. */
  micOff?: boolean;
  name?: string;
  sinkId?: string | null;
}) {
  const ref = useRef<SinkVideo>(null);
  const tr = useT();
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    if (video.srcObject !== props.stream) video.srcObject = props.stream;
    if (props.stream) void video.play().catch(() => {});
  }, [props.stream]);
  useEffect(() => {
    const video = ref.current;
    if (props.sinkId && video?.setSinkId) void video.setSinkId(props.sinkId).catch(() => {});
  }, [props.sinkId]);
  const hasVideo = (props.stream?.getVideoTracks().length ?? 0) > 0;
  const showPlaceholder = props.cameraOff || (!hasVideo && props.placeholder);
  return (
    <figure
      className={props.local ? 'tile local' : 'tile remote'}
      data-camera={props.cameraOff ? 'off' : 'on'}
      data-mic={props.micOff ? 'off' : 'on'}
    >
      <video
        ref={ref}
        className={props.cameraOff ? 'video-hidden' : undefined}
        data-testid={props.testid}
        autoPlay
        playsInline
        muted={props.local === true}
        aria-label={props.label}
      />
      {showPlaceholder && (
        <figcaption className="placeholder" data-testid={`${props.testid}-placeholder`}>
          {props.cameraOff && (
            <span className="avatar" aria-hidden="true">
              {(props.name || '?').slice(0, 1).toUpperCase()}
            </span>
          )}
          <span>{props.cameraOff ? tr.t('call.cameraOff') : props.placeholder}</span>
        </figcaption>
      )}
      {props.micOff && (
        <span className="badge" role="status" data-testid={`${props.testid}-muted`}>
          {tr.t('call.microphoneOff')}
        </span>
      )}
    </figure>
  );
}
