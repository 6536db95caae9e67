// Direct mode: one RTCPeerConnection between the two browsers. The offerer creates the offer;
// offers, answers and candidates travel through `POST /v1/sessions/{id}/signal` and come back
// as pushed `signal` messages (via the SignalInbox, which buffers early arrivals).
//
// Recovery without extra signal kinds: the offerer re-sends its offer until an answer comes
// (covers an answerer that joined late or reloaded); `bye` (sent on leaving) or a connection
// that stays broken makes both sides start a fresh peer connection, the offerer offering again.

import type { DirectJoin, SignalKind, SignalMessage } from '../api/types';
import { exposeForTests } from '../lib/testHook';
import { decode, encode } from './channel';
import { openCameraAndMicrophone } from './devices';
import { qualityOf, sampleOf, type Sample } from './quality';
import { CandidateQueue, sdpOrigin, type SignalInbox } from './signalling';
import type { CallEvents, CallHandle } from './types';

export type SendSignal = (kind: SignalKind, data: unknown, keepalive?: boolean) => Promise<void>;

const OFFER_RESEND_MS = 4_000;
const OFFER_RESEND_LIMIT = 30;
const DISCONNECTED_GRACE_MS = 6_000;
const QUALITY_EVERY_MS = 2_000;

export class DirectCall implements CallHandle {
  readonly canShareScreen =
    typeof navigator !== 'undefined' && !!navigator.mediaDevices?.getDisplayMedia;
  private pc!: RTCPeerConnection;
  private candidates!: CandidateQueue;
  private chat: RTCDataChannel | null = null;
  private local: MediaStream | null = null;
  private remote: MediaStream | null = null;
  private screenTrack: MediaStreamTrack | null = null;
  private remoteOffer: { id: string; version: string } | null = null;
  private resendTimer: ReturnType<typeof setInterval> | undefined;
  private brokenTimer: ReturnType<typeof setTimeout> | undefined;
  private qualityTimer: ReturnType<typeof setInterval> | undefined;
  private lastSample: Sample | null = null;
  private micOn = true;
  private camOn = true;
  private detachInbox: () => void = () => {};
  /** Signals are handled one after another: each step awaits the peer connection. */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly join: DirectJoin;
  private readonly inbox: SignalInbox;
  private readonly send: SendSignal;
  private readonly events: CallEvents;

  constructor(join: DirectJoin, inbox: SignalInbox, send: SendSignal, events: CallEvents) {
    this.join = join;
    this.inbox = inbox;
    this.send = send;
    this.events = events;
  }

  private get offerer(): boolean {
    return this.join.role === 'offerer';
  }

  async start(): Promise<void> {
    this.events.onStatus('starting');
    const media = await openCameraAndMicrophone();
    if (this.closed) {
      media.stream?.getTracks().forEach((t) => t.stop());
      return;
    }
    this.local = media.stream;
    if (media.problem) this.events.onDeviceProblem(media.problem);
    this.events.onLocalStream(this.local);
    this.newPeer();
    this.events.onStatus('connecting');
    this.detachInbox = this.inbox.attach(this.join.sessionId, (m) => {
      this.queue = this.queue.then(() => this.onSignal(m));
    });
    this.qualityTimer = setInterval(() => void this.measure(), QUALITY_EVERY_MS);
    if (this.offerer) await this.offer();
  }

  private async measure(): Promise<void> {
    if (this.closed || this.pc.connectionState !== 'connected') return;
    try {
      const sample = sampleOf(await this.pc.getStats());
      this.events.onQuality(qualityOf(this.lastSample, sample));
      this.lastSample = sample;
    } catch {
      // stats are a nicety; a failed read changes nothing
    }
  }

  // ---- the peer connection -----------------------------------------------------------------

  private newPeer(): void {
    this.pc?.close();
    clearInterval(this.resendTimer);
    clearTimeout(this.brokenTimer);
    this.remoteOffer = null;
    this.remote = null;
    this.lastSample = null;
    this.events.onRemoteStream(null);
    const iceServers: RTCIceServer[] = this.join.iceServers.map((s) => ({
      urls: s.urls,
      ...(s.username ? { username: s.username } : {}),
      ...(s.credential ? { credential: s.credential } : {}),
    }));
    const pc = new RTCPeerConnection({ iceServers });
    this.pc = pc;
    this.candidates = new CandidateQueue(pc, (e) => console.warn('ICE candidate refused', e));
    const tracks = this.local?.getTracks() ?? [];
    for (const track of tracks) pc.addTrack(track, this.local as MediaStream);
    if (this.offerer) {
      for (const kind of ['audio', 'video'] as const) {
        if (!tracks.some((t) => t.kind === kind))
          pc.addTransceiver(kind, { direction: 'recvonly' });
      }
    }
    this.openChat(pc);
    pc.onicecandidate = (e) => {
      if (e.candidate && pc === this.pc) void this.signal('candidate', e.candidate.toJSON());
    };
    pc.ontrack = (e) => {
      if (pc !== this.pc) return;
      this.remote = this.remote ?? new MediaStream();
      if (!this.remote.getTracks().includes(e.track)) this.remote.addTrack(e.track);
      this.events.onRemoteStream(this.remote);
    };
    pc.onconnectionstatechange = () => this.onConnectionState(pc);
    exposeForTests({ pc });
  }

  private openChat(pc: RTCPeerConnection): void {
    // Negotiated on both sides with the same id: no wait for `ondatachannel`.
    const channel = pc.createDataChannel('chat', { negotiated: true, id: 0 });
    channel.onopen = () => this.sendState();
    channel.onmessage = (e) => {
      const message = decode(e.data);
      if (message?.kind === 'chat') this.events.onChat(message.text);
      else if (message?.kind === 'state') this.events.onPartnerState(message);
    };
    this.chat = channel;
  }

  private onConnectionState(pc: RTCPeerConnection): void {
    if (pc !== this.pc || this.closed) return;
    clearTimeout(this.brokenTimer);
    this.events.onPeerState?.(pc.connectionState);
    switch (pc.connectionState) {
      case 'connected':
        this.events.onStatus('connected');
        break;
      case 'disconnected':
        this.events.onStatus('reconnecting');
        this.brokenTimer = setTimeout(() => this.restart(), DISCONNECTED_GRACE_MS);
        break;
      case 'failed':
        this.events.onStatus('reconnecting');
        this.restart();
        break;
      default:
        break;
    }
  }

  /** A fresh peer connection; the offerer offers again, the answerer waits for that offer. */
  private restart(): void {
    if (this.closed) return;
    this.candidates.clear();
    this.newPeer();
    if (this.offerer) void this.offer();
  }

  // ---- offer / answer ----------------------------------------------------------------------

  private async offer(): Promise<void> {
    const pc = this.pc;
    await pc.setLocalDescription(await pc.createOffer());
    await this.sendOffer(pc);
    let sent = 1;
    clearInterval(this.resendTimer);
    this.resendTimer = setInterval(() => {
      if (
        pc !== this.pc ||
        pc.signalingState !== 'have-local-offer' ||
        sent >= OFFER_RESEND_LIMIT
      ) {
        clearInterval(this.resendTimer);
        return;
      }
      sent += 1;
      void this.sendOffer(pc);
    }, OFFER_RESEND_MS);
  }

  /** The current local description carries every candidate gathered so far. */
  private async sendOffer(pc: RTCPeerConnection): Promise<void> {
    const description = pc.localDescription;
    if (description) await this.signal('offer', { type: description.type, sdp: description.sdp });
  }

  private async onSignal(message: SignalMessage): Promise<void> {
    if (this.closed) return;
    const data = (message.data ?? {}) as Record<string, unknown>;
    try {
      switch (message.kind) {
        case 'offer':
          if (!this.offerer) await this.onOffer(data);
          break;
        case 'answer':
          if (this.offerer && this.pc.signalingState === 'have-local-offer') {
            await this.pc.setRemoteDescription({ type: 'answer', sdp: String(data.sdp ?? '') });
            clearInterval(this.resendTimer);
            await this.candidates.flush();
          }
          break;
        case 'candidate':
          await this.candidates.add(data as RTCIceCandidateInit);
          break;
        case 'bye':
          this.events.onStatus('partner-left');
          this.restart();
          break;
      }
    } catch (error) {
      console.warn('signal could not be used', message.kind, error);
    }
  }

  private async onOffer(data: Record<string, unknown>): Promise<void> {
    const sdp = String(data.sdp ?? '');
    const origin = sdpOrigin(sdp);
    const known = this.remoteOffer;
    if (known && origin && known.id === origin.id && known.version === origin.version) {
      // The offerer re-sent an offer we answered: our answer was lost, send it again.
      const answer = this.pc.localDescription;
      if (answer?.type === 'answer')
        await this.signal('answer', { type: 'answer', sdp: answer.sdp });
      return;
    }
    if (known && origin && known.id !== origin.id) {
      this.candidates.clear();
      this.newPeer(); // the offerer started over with a new peer connection
    }
    this.remoteOffer = origin;
    await this.pc.setRemoteDescription({ type: 'offer', sdp });
    await this.candidates.flush();
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    const answer = this.pc.localDescription;
    if (answer) await this.signal('answer', { type: answer.type, sdp: answer.sdp });
  }

  private async signal(kind: SignalKind, data: unknown, keepalive = false): Promise<void> {
    try {
      await this.send(kind, data, keepalive);
    } catch (error) {
      console.warn('signal could not be sent', kind, error);
    }
  }

  // ---- controls ----------------------------------------------------------------------------

  async setMicrophone(enabled: boolean): Promise<void> {
    this.local?.getAudioTracks().forEach((t) => (t.enabled = enabled));
    this.micOn = enabled;
    this.sendState();
  }

  async setCamera(enabled: boolean): Promise<void> {
    this.local?.getVideoTracks().forEach((t) => (t.enabled = enabled));
    this.camOn = enabled;
    this.sendState();
  }

  /** Tells the partner what they can expect to hear and see (a disabled track is silent/black). */
  private sendState(): void {
    if (this.chat?.readyState !== 'open') return;
    const hasVideo = (this.local?.getVideoTracks().length ?? 0) > 0 || this.screenTrack !== null;
    const hasAudio = (this.local?.getAudioTracks().length ?? 0) > 0;
    const state = {
      mic: hasAudio && this.micOn,
      cam: hasVideo && (this.camOn || !!this.screenTrack),
    };
    this.chat.send(encode({ kind: 'state', ...state }));
  }

  private videoSender(): RTCRtpSender | undefined {
    return this.pc.getSenders().find((s) => s.track?.kind === 'video');
  }

  async startScreenShare(): Promise<boolean> {
    const sender = this.videoSender();
    if (!sender || !this.canShareScreen) return false;
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: true });
    } catch {
      return false; // the person closed the picker
    }
    const track = stream.getVideoTracks()[0];
    if (!track) return false;
    this.screenTrack = track;
    track.onended = () => void this.stopScreenShare();
    await sender.replaceTrack(track);
    this.events.onLocalStream(stream);
    this.events.onSharing(true);
    this.sendState();
    return true;
  }

  async stopScreenShare(): Promise<void> {
    const track = this.screenTrack;
    if (!track) return;
    this.screenTrack = null;
    track.stop();
    const camera = this.local?.getVideoTracks()[0] ?? null;
    await this.videoSender()?.replaceTrack(camera);
    this.events.onLocalStream(this.local);
    this.events.onSharing(false);
    this.sendState();
  }

  sendChat(text: string): boolean {
    if (!this.chat || this.chat.readyState !== 'open') return false;
    this.chat.send(encode({ kind: 'chat', text }));
    return true;
  }

  close(notifyPartner = true): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.resendTimer);
    clearTimeout(this.brokenTimer);
    clearInterval(this.qualityTimer);
    this.detachInbox();
    if (notifyPartner) void this.signal('bye', {}, true);
    this.screenTrack?.stop();
    this.local?.getTracks().forEach((t) => t.stop());
    this.pc?.close();
    exposeForTests({ pc: null });
    this.events.onStatus('closed');
  }
}

export async function startDirectCall(
  join: DirectJoin,
  inbox: SignalInbox,
  send: SendSignal,
  events: CallEvents,
): Promise<CallHandle> {
  const call = new DirectCall(join, inbox, send, events);
  await call.start();
  return call;
}
