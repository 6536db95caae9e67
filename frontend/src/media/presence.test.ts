import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DISCONNECTED_REPORT_MS, PresenceReporter } from './presence';

describe('telling the server whether I am in the call (direct mode)', () => {
  let said: boolean[];
  let reporter: PresenceReporter;
  beforeEach(() => {
    vi.useFakeTimers();
    said = [];
    reporter = new PresenceReporter((present) => {
      said.push(present);
      return Promise.resolve();
    });
  });
  afterEach(() => vi.useRealTimers());

  it('says connected once, however often the state repeats', () => {
    reporter.onPeerState('connecting');
    reporter.onPeerState('connected');
    reporter.onPeerState('connected');
    expect(said).toEqual([true]);
  });

  it('says disconnected at once when the connection failed or closed', () => {
    reporter.onPeerState('connected');
    reporter.onPeerState('failed');
    expect(said).toEqual([true, false]);
    reporter.onPeerState('closed');
    expect(said).toEqual([true, false]);
  });

  it('waits 5 s before saying a disconnect, and says nothing if it heals', () => {
    reporter.onPeerState('connected');
    reporter.onPeerState('disconnected');
    vi.advanceTimersByTime(DISCONNECTED_REPORT_MS - 1);
    reporter.onPeerState('connected');
    vi.advanceTimersByTime(DISCONNECTED_REPORT_MS);
    expect(said).toEqual([true]);
  });

  it('says disconnected after 5 s, and connected again when it comes back', () => {
    reporter.onPeerState('connected');
    reporter.onPeerState('disconnected');
    vi.advanceTimersByTime(DISCONNECTED_REPORT_MS);
    expect(said).toEqual([true, false]);
    reporter.onPeerState('connected');
    expect(said).toEqual([true, false, true]);
  });

  it('says nothing before the first connection, nor after the call is closed here', () => {
    reporter.onPeerState('failed');
    expect(said).toEqual([]);
    reporter.onPeerState('connected');
    reporter.onPeerState('disconnected');
    reporter.close();
    vi.advanceTimersByTime(DISCONNECTED_REPORT_MS * 2);
    expect(said).toEqual([true]);
  });

  it('tries connected again on the next connection when the first report failed', async () => {
    const tries: boolean[] = [];
    const flaky = new PresenceReporter((present) => {
      tries.push(present);
      return tries.length === 1 ? Promise.reject(new Error('offline')) : Promise.resolve();
    });
    flaky.onPeerState('connected');
    await vi.runAllTimersAsync();
    flaky.onPeerState('connected');
    expect(tries).toEqual([true, true]);
  });
});
