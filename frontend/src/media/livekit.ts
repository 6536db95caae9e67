// LiveKit mode: the room is the session id; the token from the join answer expires at endsAt.
// This module (and livekit-client with it) is loaded only when a LiveKit call starts.

import {
  ConnectionQuality,
  ConnectionState,
  Room,
  RoomEvent,
  Track,
  type Participant,
  type RemoteTrack,
  type LocalTrackPublication,
} from 'livekit-client';
import type { LiveKitJoin } from '../api/types';
import type { Quality } from './quality';
import type { CallEvents, CallHandle } from './types';

const QUALITY: Record<ConnectionQuality, Quality> = {
  [ConnectionQuality.Excellent]: 'good',
  [ConnectionQuality.Good]: 'good',
  [ConnectionQuality.Poor]: 'fair',
  [ConnectionQuality.Lost]: 'poor',
  [ConnectionQuality.Unknown]: 'unknown',
};

const CHAT_TOPIC = 'chat';

class LiveKitCall implements CallHandle {
  readonly canShareScreen =
    typeof navigator !== 'undefined' && !!navigator.mediaDevices?.getDisplayMedia;
  private readonly room = new Room({ adaptiveStream: true, dynacast: true });
  private readonly remote = new MediaStream();
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();
  private readonly events: CallEvents;

  constructor(events: CallEvents) {
    this.events = events;
  }

  async start(join: LiveKitJoin): Promise<void> {
    const { room, events } = this;
    events.onStatus('connecting');
    room
      .on(RoomEvent.TrackSubscribed, (track: RemoteTrack) => this.addRemote(track))
      .on(RoomEvent.TrackUnsubscribed, (track: RemoteTrack) => this.removeRemote(track))
      .on(RoomEvent.ParticipantConnected, () => events.onStatus('connected'))
      .on(RoomEvent.ParticipantDisconnected, () => events.onStatus('partner-left'))
      .on(RoomEvent.Reconnecting, () => events.onStatus('reconnecting'))
      .on(RoomEvent.Reconnected, () => events.onStatus('connected'))
      .on(RoomEvent.Disconnected, () => events.onStatus('closed'))
      .on(RoomEvent.LocalTrackPublished, () => this.showLocal())
      .on(RoomEvent.LocalTrackUnpublished, () => this.showLocal())
      .on(RoomEvent.LocalTrackPublished, (pub: LocalTrackPublication) => {
        if (pub.source === Track.Source.ScreenShare) events.onSharing(true);
      })
      .on(RoomEvent.LocalTrackUnpublished, (pub: LocalTrackPublication) => {
        if (pub.source === Track.Source.ScreenShare) events.onSharing(false);
      })
      .on(RoomEvent.TrackMuted, (_pub, p: Participant) => this.partnerState(p))
      .on(RoomEvent.TrackUnmuted, (_pub, p: Participant) => this.partnerState(p))
      .on(RoomEvent.TrackSubscribed, (_t, _pub, p: Participant) => this.partnerState(p))
      .on(RoomEvent.ConnectionQualityChanged, (q: ConnectionQuality, p: Participant) => {
        if (p === room.localParticipant) events.onQuality(QUALITY[q] ?? 'unknown');
      })
      .on(RoomEvent.DataReceived, (payload: Uint8Array, _participant, _kind, topic?: string) => {
        if (topic === CHAT_TOPIC) events.onChat(this.decoder.decode(payload));
      });
    await room.connect(join.url, join.token);
    events.onStatus(room.remoteParticipants.size > 0 ? 'connected' : 'connecting');
    try {
      await room.localParticipant.enableCameraAndMicrophone();
    } catch {
      events.onDeviceProblem('none');
    }
    this.showLocal();
  }

  /** Mic and camera of the partner, from their publications (muted or absent = off). */
  private partnerState(p: Participant): void {
    if (p === this.room.localParticipant) return;
    const on = (source: Track.Source) => {
      const pub = p.getTrackPublication(source);
      return !!pub && !pub.isMuted;
    };
    this.events.onPartnerState({
      mic: on(Track.Source.Microphone),
      cam: on(Track.Source.Camera) || on(Track.Source.ScreenShare),
    });
  }

  private addRemote(track: RemoteTrack): void {
    if (track.kind !== Track.Kind.Video && track.kind !== Track.Kind.Audio) return;
    const media = track.mediaStreamTrack;
    // One video at a time: a screen share replaces the camera picture, and back.
    if (track.kind === Track.Kind.Video) {
      this.remote.getVideoTracks().forEach((t) => this.remote.removeTrack(t));
    }
    this.remote.addTrack(media);
    this.events.onRemoteStream(this.remote);
  }

  private removeRemote(track: RemoteTrack): void {
    this.remote.removeTrack(track.mediaStreamTrack);
    const camera = [...this.room.remoteParticipants.values()]
      .map((p) => p.getTrackPublication(Track.Source.Camera)?.track)
      .find((t) => t && t !== track);
    if (track.kind === Track.Kind.Video && camera) this.remote.addTrack(camera.mediaStreamTrack);
    this.events.onRemoteStream(this.remote);
  }

  private showLocal(): void {
    const p = this.room.localParticipant;
    const pick = (source: Track.Source) =>
      (p.getTrackPublication(source) as LocalTrackPublication | undefined)?.track?.mediaStreamTrack;
    const video = pick(Track.Source.ScreenShare) ?? pick(Track.Source.Camera);
    const tracks = [video, pick(Track.Source.Microphone)].filter(
      (t): t is MediaStreamTrack => t !== undefined,
    );
    this.events.onLocalStream(tracks.length > 0 ? new MediaStream(tracks) : null);
  }

  async setMicrophone(enabled: boolean): Promise<void> {
    await this.room.localParticipant.setMicrophoneEnabled(enabled);
  }

  async setCamera(enabled: boolean): Promise<void> {
    await this.room.localParticipant.setCameraEnabled(enabled);
    this.showLocal();
  }

  async startScreenShare(): Promise<boolean> {
    try {
      await this.room.localParticipant.setScreenShareEnabled(true);
      this.showLocal();
      return this.room.localParticipant.isScreenShareEnabled;
    } catch {
      return false;
    }
  }

  async stopScreenShare(): Promise<void> {
    await this.room.localParticipant.setScreenShareEnabled(false);
    this.showLocal();
  }

  sendChat(text: string): boolean {
    if (this.room.state !== ConnectionState.Connected) return false;
    void this.room.localParticipant.publishData(this.encoder.encode(text), {
      reliable: true,
      topic: CHAT_TOPIC,
    });
    return true;
  }

  close(): void {
    void this.room.disconnect();
  }
}

export async function startLiveKitCall(join: LiveKitJoin, events: CallEvents): Promise<CallHandle> {
  const call = new LiveKitCall(events);
  try {
    await call.start(join);
  } catch (error) {
    call.close();
    throw error;
  }
  return call;
}
