import { describe, expect, it } from 'vitest';
import { HALF_TIME_CUE_MS, halfTimeAt, isTandem, showsHalfTimeCue, switchTo } from './tandem';

const ana = { speaks: ['en'], learns: ['es'] };
const ben = { speaks: ['es'], learns: ['en'] };

describe('is the pair a tandem', () => {
  it('is when each learns a language the other speaks', () => {
    expect(isTandem(ana, ben)).toBe(true);
    expect(isTandem(ben, ana)).toBe(true);
  });

  it('is not when only one of them learns what the other speaks', () => {
    expect(isTandem(ana, { speaks: ['es'], learns: ['fr'] })).toBe(false);
  });

  it("is not when the partner's languages are unknown", () => {
    expect(isTandem(ana, {})).toBe(false);
  });

  it('is not when the only shared language is the same one both ways', () => {
    const both = { speaks: ['es'], learns: ['es'] };
    expect(isTandem(both, both)).toBe(false);
  });
});

describe('which language comes at half time', () => {
  it('is the other language of the tandem, the same for both people', () => {
    expect(switchTo(ana, ben, 'es')).toBe('en');
    expect(switchTo(ben, ana, 'es')).toBe('en');
    expect(switchTo(ana, ben, 'en')).toBe('es');
    expect(switchTo(ben, ana, 'en')).toBe('es');
  });

  it('agrees on both sides when several languages qualify', () => {
    const cy = { speaks: ['en', 'de'], learns: ['es', 'fr'] };
    const dee = { speaks: ['fr', 'es'], learns: ['de', 'en'] };
    expect(switchTo(cy, dee, 'fr')).toBe(switchTo(dee, cy, 'fr'));
    expect(switchTo(cy, dee, 'fr')).toBe('de');
    expect(switchTo(cy, dee, 'en')).toBe(switchTo(dee, cy, 'en'));
    expect(switchTo(cy, dee, 'en')).toBe('es');
  });

  it('agrees on both sides when the session language is learnt both ways', () => {
    const cy = { speaks: ['es', 'fr'], learns: ['es', 'fr'] };
    const dee = { speaks: ['es', 'fr'], learns: ['fr', 'es'] };
    expect(switchTo(cy, dee, 'es')).toBe('fr');
    expect(switchTo(dee, cy, 'es')).toBe('fr');
  });

  it('is none for a pair that is no tandem', () => {
    expect(switchTo(ana, { speaks: ['es'], learns: ['fr'] }, 'es')).toBeNull();
  });

  it("is none when the session's language is not one of the tandem's", () => {
    expect(switchTo(ana, ben, 'ja')).toBeNull();
    expect(switchTo(ana, ben, null)).toBeNull();
  });
});

describe('when half time is', () => {
  const START = '2030-01-01T12:00:00Z';
  const END = '2030-01-01T12:01:00Z';
  const half = Date.parse('2030-01-01T12:00:30Z');

  it('is halfway between the server start and end', () => {
    expect(halfTimeAt(START, END)).toBe(half);
    expect(halfTimeAt(START, 'soon')).toBeNull();
    expect(halfTimeAt(END, START)).toBeNull();
  });

  it('shows the cue from half time for ten seconds, on the server clock', () => {
    expect(showsHalfTimeCue(START, END, half - 1)).toBe(false);
    expect(showsHalfTimeCue(START, END, half)).toBe(true);
    expect(showsHalfTimeCue(START, END, half + HALF_TIME_CUE_MS - 1)).toBe(true);
    expect(showsHalfTimeCue(START, END, half + HALF_TIME_CUE_MS)).toBe(false);
    // This device runs 5 s behind the server: its 12:00:25 is the server's half time.
    expect(showsHalfTimeCue(START, END, half - 5000, 5000)).toBe(true);
  });
});
