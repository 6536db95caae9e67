// Buffers for direct-mode signalling, kept free of WebRTC so they can be tested alone.
//
// 1. SignalInbox: pushed `signal` messages may arrive before the call is ready to use them
//    (the answerer can get the offer before its own join finished). They wait here, per
//    session, and are handed over in arrival order once a handler attaches.
// 2. CandidateQueue: ICE candidates that arrive before the remote description is set cannot
//    be added yet; they wait and are added, in order, right after it is set.

import type { SignalMessage } from '../api/types';

type SignalHandler = (message: SignalMessage) => void;

const PER_SESSION_LIMIT = 200;
const SESSIONS_KEPT = 3;

export class SignalInbox {
  private readonly pending = new Map<string, SignalMessage[]>();
  private attached: { sessionId: string; handler: SignalHandler } | null = null;

  /** Called for every pushed `signal`. */
  push(message: SignalMessage): void {
    if (this.attached?.sessionId === message.sessionId) {
      this.attached.handler(message);
      return;
    }
    let queue = this.pending.get(message.sessionId);
    if (!queue) {
      queue = [];
      this.pending.set(message.sessionId, queue);
      while (this.pending.size > SESSIONS_KEPT) {
        const oldest = this.pending.keys().next().value as string;
        this.pending.delete(oldest);
      }
    }
    if (queue.length < PER_SESSION_LIMIT) queue.push(message);
  }

  /** Starts delivering signals for `sessionId`: first the buffered ones, then live ones. */
  attach(sessionId: string, handler: SignalHandler): () => void {
    const buffered = this.pending.get(sessionId) ?? [];
    this.pending.delete(sessionId);
    const attached = { sessionId, handler };
    this.attached = attached;
    for (const message of buffered) handler(message);
    return () => {
      if (this.attached === attached) this.attached = null;
    };
  }

  /** Forgets everything (sign-out). */
  reset(): void {
    this.pending.clear();
    this.attached = null;
  }

  /** How many signals wait for `sessionId` (for tests and diagnostics). */
  bufferedCount(sessionId: string): number {
    return this.pending.get(sessionId)?.length ?? 0;
  }
}

/** The part of RTCPeerConnection the candidate queue needs. */
export interface CandidateTarget {
  readonly remoteDescription: unknown;
  addIceCandidate(candidate: RTCIceCandidateInit): Promise<void>;
}

export class CandidateQueue {
  private waiting: RTCIceCandidateInit[] = [];
  private readonly target: CandidateTarget;
  private readonly onError: (error: unknown) => void;

  constructor(target: CandidateTarget, onError: (error: unknown) => void = () => {}) {
    this.target = target;
    this.onError = onError;
  }

  /** Adds the candidate now if the remote description is set, otherwise keeps it. */
  async add(candidate: RTCIceCandidateInit): Promise<void> {
    if (!this.target.remoteDescription) {
      this.waiting.push(candidate);
      return;
    }
    await this.apply(candidate);
  }

  /** Call right after setRemoteDescription: adds every kept candidate in arrival order. */
  async flush(): Promise<void> {
    const queued = this.waiting;
    this.waiting = [];
    for (const candidate of queued) await this.apply(candidate);
  }

  /** Drops kept candidates (the peer connection is being replaced). */
  clear(): void {
    this.waiting = [];
  }

  get size(): number {
    return this.waiting.length;
  }

  private async apply(candidate: RTCIceCandidateInit): Promise<void> {
    try {
      await this.target.addIceCandidate(candidate);
    } catch (error) {
      this.onError(error);
    }
  }
}

/** The `o=` line names an SDP session (id + version): equal lines mean the same offer. */
export function sdpOrigin(sdp: string | undefined): { id: string; version: string } | null {
  const line = sdp?.split(/\r?\n/).find((l) => l.startsWith('o='));
  const parts = line?.split(' ');
  return parts && parts.length >= 3 ? { id: parts[1] ?? '', version: parts[2] ?? '' } : null;
}
