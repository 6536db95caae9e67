import { describe, expect, it } from 'vitest';
import type { SignalMessage } from '../api/types';
import { CandidateQueue, SignalInbox, type CandidateTarget } from './signalling';

const signal = (sessionId: string, kind: SignalMessage['kind'], n = 0): SignalMessage => ({
  type: 'signal',
  sessionId,
  fromUserId: 'u-bob',
  kind,
  data: { n },
});

class FakePeer implements CandidateTarget {
  remoteDescription: unknown = null;
  added: RTCIceCandidateInit[] = [];
  refuse = false;
  async addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (!this.remoteDescription) throw new Error('InvalidStateError: no remote description');
    if (this.refuse) throw new Error('OperationError');
    this.added.push(candidate);
  }
}

const candidate = (n: number): RTCIceCandidateInit => ({
  candidate: `candidate:${n}`,
  sdpMid: '0',
});

describe('CandidateQueue', () => {
  it('keeps candidates that arrive before the remote description', async () => {
    const peer = new FakePeer();
    const queue = new CandidateQueue(peer);
    await queue.add(candidate(1));
    await queue.add(candidate(2));
    expect(peer.added).toEqual([]);
    expect(queue.size).toBe(2);
  });

  it('adds the kept candidates in arrival order once the remote description is set', async () => {
    const peer = new FakePeer();
    const queue = new CandidateQueue(peer);
    await queue.add(candidate(1));
    await queue.add(candidate(2));
    peer.remoteDescription = { type: 'offer', sdp: 'v=0' };
    await queue.flush();
    expect(peer.added).toEqual([candidate(1), candidate(2)]);
    expect(queue.size).toBe(0);
  });

  it('adds a candidate at once when the remote description is already set', async () => {
    const peer = new FakePeer();
    peer.remoteDescription = { type: 'answer', sdp: 'v=0' };
    const queue = new CandidateQueue(peer);
    await queue.add(candidate(3));
    expect(peer.added).toEqual([candidate(3)]);
  });

  it('reports a refused candidate and carries on with the rest', async () => {
    const peer = new FakePeer();
    const errors: unknown[] = [];
    const queue = new CandidateQueue(peer, (e) => errors.push(e));
    await queue.add(candidate(1));
    peer.remoteDescription = { type: 'offer', sdp: 'v=0' };
    peer.refuse = true;
    await queue.flush();
    expect(errors).toHaveLength(1);
    peer.refuse = false;
    await queue.add(candidate(2));
    expect(peer.added).toEqual([candidate(2)]);
  });

  it('drops kept candidates when the peer connection is replaced', async () => {
    const peer = new FakePeer();
    const queue = new CandidateQueue(peer);
    await queue.add(candidate(1));
    queue.clear();
    peer.remoteDescription = { type: 'offer', sdp: 'v=0' };
    await queue.flush();
    expect(peer.added).toEqual([]);
  });
});

describe('SignalInbox', () => {
  it('buffers signals that arrive before the call joined, and hands them over in order', () => {
    const inbox = new SignalInbox();
    inbox.push(signal('s-1', 'offer'));
    inbox.push(signal('s-1', 'candidate', 1));
    inbox.push(signal('s-1', 'candidate', 2));
    expect(inbox.bufferedCount('s-1')).toBe(3);
    const got: string[] = [];
    inbox.attach('s-1', (m) => got.push(`${m.kind}${(m.data as { n: number }).n || ''}`));
    expect(got).toEqual(['offer', 'candidate1', 'candidate2']);
    expect(inbox.bufferedCount('s-1')).toBe(0);
  });

  it('delivers live once attached', () => {
    const inbox = new SignalInbox();
    const got: SignalMessage[] = [];
    inbox.attach('s-1', (m) => got.push(m));
    inbox.push(signal('s-1', 'answer'));
    expect(got.map((m) => m.kind)).toEqual(['answer']);
  });

  it('does not hand one session the signals of another', () => {
    const inbox = new SignalInbox();
    inbox.push(signal('s-old', 'offer'));
    const got: SignalMessage[] = [];
    inbox.attach('s-new', (m) => got.push(m));
    inbox.push(signal('s-old', 'candidate'));
    expect(got).toEqual([]);
  });

  it('keeps buffering after the handler detaches (e.g. the page re-joins)', () => {
    const inbox = new SignalInbox();
    const first: SignalMessage[] = [];
    const detach = inbox.attach('s-1', (m) => first.push(m));
    detach();
    inbox.push(signal('s-1', 'offer'));
    expect(first).toEqual([]);
    const second: SignalMessage[] = [];
    inbox.attach('s-1', (m) => second.push(m));
    expect(second.map((m) => m.kind)).toEqual(['offer']);
  });

  it('forgets everything on reset', () => {
    const inbox = new SignalInbox();
    inbox.push(signal('s-1', 'offer'));
    inbox.reset();
    expect(inbox.bufferedCount('s-1')).toBe(0);
  });
});
