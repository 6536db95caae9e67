import { describe, expect, it } from 'vitest';
import { englishTranslator as en } from '../i18n/english';
import {
  elapsedSeconds,
  formatClock,
  inWords,
  isWarning,
  remainingSeconds,
  WARNING_SECONDS,
} from './countdown';

const ENDS_AT = '2030-01-01T12:15:00Z';
const endsAtMs = Date.parse(ENDS_AT);

describe('remainingSeconds', () => {
  it('counts the whole seconds left until endsAt', () => {
    expect(remainingSeconds(ENDS_AT, endsAtMs - 90_000)).toBe(90);
  });

  it('rounds a partial second up, so 0 is shown only when time is really over', () => {
    expect(remainingSeconds(ENDS_AT, endsAtMs - 400)).toBe(1);
    expect(remainingSeconds(ENDS_AT, endsAtMs)).toBe(0);
  });

  it('is never negative once endsAt has passed', () => {
    expect(remainingSeconds(ENDS_AT, endsAtMs + 5_000)).toBe(0);
    expect(remainingSeconds(ENDS_AT, endsAtMs + 3_600_000)).toBe(0);
  });

  it('corrects for a device clock that runs behind the server', () => {
    // The device says 12:10:00, the server is 30 s ahead (12:10:30): 4:30 are left, not 5:00.
    const deviceNow = endsAtMs - 300_000;
    expect(remainingSeconds(ENDS_AT, deviceNow, 30_000)).toBe(270);
  });

  it('corrects for a device clock that runs ahead of the server', () => {
    const deviceNow = endsAtMs - 300_000;
    expect(remainingSeconds(ENDS_AT, deviceNow, -45_000)).toBe(345);
  });

  it('shows the same time on two devices with different clocks once each knows its offset', () => {
    const serverNow = endsAtMs - 200_000;
    const fastDevice = serverNow + 120_000;
    const slowDevice = serverNow - 7_000;
    expect(remainingSeconds(ENDS_AT, fastDevice, -120_000)).toBe(200);
    expect(remainingSeconds(ENDS_AT, slowDevice, 7_000)).toBe(200);
  });

  it('gives 0 for a timestamp it cannot read', () => {
    expect(remainingSeconds('not a time', Date.now())).toBe(0);
  });
});

describe('elapsedSeconds', () => {
  it('counts whole seconds since a server timestamp, with the offset', () => {
    const since = '2030-01-01T12:00:00Z';
    expect(elapsedSeconds(since, Date.parse(since) + 65_900)).toBe(65);
    expect(elapsedSeconds(since, Date.parse(since) + 60_000, 5_000)).toBe(65);
  });

  it('is never negative when the device clock is behind', () => {
    const since = '2030-01-01T12:00:00Z';
    expect(elapsedSeconds(since, Date.parse(since) - 10_000)).toBe(0);
  });
});

describe('isWarning', () => {
  it('warns in the last minute', () => {
    expect(WARNING_SECONDS).toBe(60);
    expect(isWarning(60)).toBe(true);
    expect(isWarning(1)).toBe(true);
  });

  it('does not warn before the last minute or once time is up', () => {
    expect(isWarning(61)).toBe(false);
    expect(isWarning(0)).toBe(false);
  });
});

describe('formatClock', () => {
  it('formats minutes and zero-padded seconds', () => {
    expect(formatClock(0)).toBe('0:00');
    expect(formatClock(5)).toBe('0:05');
    expect(formatClock(75)).toBe('1:15');
    expect(formatClock(900)).toBe('15:00');
    expect(formatClock(3600)).toBe('60:00');
  });

  it('never shows a negative or fractional time', () => {
    expect(formatClock(-12)).toBe('0:00');
    expect(formatClock(59.9)).toBe('0:59');
    expect(formatClock(Number.NaN)).toBe('0:00');
  });
});

describe('durations and "in …" in words', () => {
  it('says hours and minutes the way people read them', () => {
    expect(en.duration(5 * 3600 + 12 * 60)).toBe('5 hr, 12 min');
    expect(en.duration(12 * 60)).toBe('12 min');
    expect(en.duration(2 * 3600)).toBe('2 hr');
    expect(en.duration(30)).toBe('less than a minute');
  });

  it('rounds a started minute up, so it never promises earlier than true', () => {
    expect(en.duration(5 * 3600 + 11 * 60 + 1)).toBe('5 hr, 12 min');
  });

  it('says "in …" before the moment and "now" after it', () => {
    const at = '2030-01-02T00:00:00Z';
    const before = Date.parse(at) - (5 * 3600 + 12 * 60) * 1000;
    expect(inWords(en, at, before)).toBe('in 5 hr, 12 min');
    expect(inWords(en, at, Date.parse(at) - 12 * 60 * 1000)).toBe('in 12 minutes');
    expect(inWords(en, at, Date.parse(at) - 2 * 3600 * 1000)).toBe('in 2 hours');
    expect(inWords(en, at, Date.parse(at) - 20 * 1000)).toBe('in less than a minute');
    expect(inWords(en, at, Date.parse(at) + 1000)).toBe('now');
  });
});

describe('an invite countdown in a background tab', () => {
  it('is read from the deadline, so a timer the browser held back for 40 s loses nothing', () => {
    const sent = Date.parse('2030-01-01T12:00:00Z');
    const expiresAt = '2030-01-01T12:01:00Z';
    // The tab was hidden: its last tick was at +5 s, the next one comes at +45 s.
    expect(remainingSeconds(expiresAt, sent + 5_000, 0)).toBe(55);
    expect(remainingSeconds(expiresAt, sent + 45_000, 0)).toBe(15);
    // A device clock 30 s fast still counts down to the server's deadline.
    expect(remainingSeconds(expiresAt, sent + 45_000 + 30_000, -30_000)).toBe(15);
  });
});
