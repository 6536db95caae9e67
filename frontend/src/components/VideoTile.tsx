import { useEffect, useRef } from 'react';

/** A <video> showing a MediaStream; the local one is muted (no echo) and mirrored. */
export function VideoTile(props: {
  stream: MediaStream | null;
  testid: string;
  label: string;
  local?: boolean;
  placeholder?: string;
}) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    if (video.srcObject !== props.stream) video.srcObject = props.stream;
    if (props.stream) void video.play().catch(() => {});
  }, [props.stream]);
  const hasVideo = (props.stream?.getVideoTracks().length ?? 0) > 0;
  return (
    <figure className={props.local ? 'tile local' : 'tile remote'}>
      <video
        ref={ref}
        data-testid={props.testid}
        autoPlay
        playsInline
        muted={props.local === true}
        aria-label={props.label}
      />
      {!hasVideo && props.placeholder && (
        <figcaption className="placeholder">{props.placeholder}</figcaption>
      )}
    </figure>
  );
}
