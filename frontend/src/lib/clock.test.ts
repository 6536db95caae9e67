import { describe, expect, it } from 'vitest';
import { boundsFromDateHeader, ClockSync, intersectBounds } from './clock';

const serverAt = (ms: number) => new Date(ms).toUTCString();

describe('ClockSync (server offset from HTTP Date headers)', () => {
  it('assumes no offset until a Date header was seen', () => {
    const clock = new ClockSync();
    expect(clock.offsetMs).toBe(0);
    clock.observe(null, 1000, 1100);
    expect(clock.offsetMs).toBe(0);
  });

  it('finds a server that is a minute ahead, to within a second', () => {
    const clock = new ClockSync();
    const local = Date.parse('2030-01-01T12:00:00.000Z');
    const server = local + 60_000;
    clock.observe(serverAt(server + 50), local, local + 100);
    expect(Math.abs(clock.offsetMs - 60_000)).toBeLessThanOrEqual(1000);
  });

  it('narrows the estimate as more answers arrive', () => {
    const local = Date.parse('2030-01-01T12:00:00.000Z');
    const trueOffset = -42_300;
    const clock = new ClockSync();
    for (let i = 0; i < 10; i += 1) {
      const sent = local + i * 1_737;
      const stamped = sent + 20 + trueOffset;
      clock.observe(serverAt(stamped), sent, sent + 40);
    }
    expect(Math.abs(clock.offsetMs - trueOffset)).toBeLessThan(300);
  });

  it('starts over when the device clock jumps and the old bounds no longer fit', () => {
    const local = Date.parse('2030-01-01T12:00:00.000Z');
    const clock = new ClockSync();
    clock.observe(serverAt(local), local, local + 50);
    // The person changed their clock by one hour: answers now disagree with the old bounds.
    clock.observe(serverAt(local + 10_000), local + 10_000 + 3_600_000, local + 10_050 + 3_600_000);
    expect(Math.abs(clock.offsetMs + 3_600_000)).toBeLessThanOrEqual(1000);
  });

  it('assumes the clocks agree while the answers allow it', () => {
    const local = Date.parse('2030-01-01T12:00:00.300Z');
    const clock = new ClockSync();
    clock.observe(serverAt(local), local, local + 80);
    expect(clock.offsetMs).toBe(0);
  });

  it('ignores a Date header it cannot read', () => {
    expect(boundsFromDateHeader('yesterday-ish', 0, 10)).toBeNull();
  });

  it('keeps the overlap of two bounds', () => {
    expect(intersectBounds({ low: 0, high: 1000 }, { low: 400, high: 1500 })).toEqual({
      low: 400,
      high: 1000,
    });
  });
});
