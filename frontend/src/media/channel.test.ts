import { describe, expect, it } from 'vitest';
import { decode, encode } from './channel';
import { qualityOf, sampleOf } from './quality';

describe('data channel messages', () => {
  it('round-trips chat and state', () => {
    expect(decode(encode({ kind: 'chat', text: 'hola' }))).toEqual({ kind: 'chat', text: 'hola' });
    expect(decode(encode({ kind: 'state', mic: false, cam: true }))).toEqual({
      kind: 'state',
      mic: false,
      cam: true,
    });
  });

  it('reads a plain string as a chat line, even one that looks like JSON', () => {
    expect(decode('hello')).toEqual({ kind: 'chat', text: 'hello' });
    expect(decode('42')).toEqual({ kind: 'chat', text: '42' });
  });

  it('ignores malformed or foreign messages', () => {
    expect(decode(new ArrayBuffer(2))).toBeNull();
    expect(decode('{"kind":"state","mic":"no"}')).toBeNull();
    expect(decode('{"kind":"other"}')).toBeNull();
  });
});

describe('connection quality', () => {
  it('is good with a short round trip and no loss', () => {
    expect(qualityOf(null, { rttMs: 40, received: 1000, lost: 0 })).toBe('good');
  });

  it('uses the loss of the last interval, not since the start', () => {
    const before = { rttMs: 40, received: 1000, lost: 300 };
    expect(qualityOf(before, { rttMs: 40, received: 2000, lost: 300 })).toBe('good');
    expect(qualityOf(before, { rttMs: 40, received: 1100, lost: 320 })).toBe('poor');
  });

  it('is fair or poor with a long round trip', () => {
    expect(qualityOf(null, { rttMs: 300, received: 10, lost: 0 })).toBe('fair');
    expect(qualityOf(null, { rttMs: 900, received: 10, lost: 0 })).toBe('poor');
  });

  it('is unknown before anything was measured', () => {
    expect(qualityOf(null, { rttMs: null, received: 0, lost: 0 })).toBe('unknown');
  });

  it('reads the nominated pair and inbound packets from getStats', () => {
    const report = new Map<string, Record<string, unknown>>([
      ['p1', { type: 'candidate-pair', nominated: false, currentRoundTripTime: 9 }],
      ['p2', { type: 'candidate-pair', nominated: true, currentRoundTripTime: 0.05 }],
      ['a', { type: 'inbound-rtp', packetsReceived: 100, packetsLost: 2 }],
      ['v', { type: 'inbound-rtp', packetsReceived: 300, packetsLost: 1 }],
    ]);
    expect(sampleOf(report as unknown as RTCStatsReport)).toEqual({
      rttMs: 50,
      received: 400,
      lost: 3,
    });
  });
});
