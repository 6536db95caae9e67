import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { LengthNote } from '../components/LengthNote';
import {
  limitOf,
  sessionMinutes,
  waitingLimitText,
  whyItWasShort,
  whyShorter,
} from './sessionLength';
import { englishTranslator as en } from '../i18n/english';

const START = '2030-01-01T12:00:00Z';
const FOUR = '2030-01-01T12:04:00Z';

describe('why a call is shorter', () => {
  it('names the partner whose minutes left set the length', () => {
    const limit = limitOf({ startsAt: START, endsAt: FOUR, limitedBy: 'partner' });
    expect(whyShorter(en, limit, 'Bob')).toBe(
      'Bob has 4 minutes left today, so this call lasts 4 minutes.',
    );
  });

  it('says so when my own minutes set it', () => {
    const limit = limitOf({ startsAt: START, endsAt: FOUR, limitedBy: 'me' });
    expect(whyShorter(en, limit, 'Bob')).toBe(
      'You have 4 minutes left today, so this call lasts 4 minutes.',
    );
  });

  it('says both when the balances were equal, and one minute in the singular', () => {
    const one = limitOf({ startsAt: START, endsAt: '2030-01-01T12:01:00Z', limitedBy: 'both' });
    expect(whyShorter(en, one, 'Bob')).toBe(
      'You both have 1 minute left today, so this call lasts 1 minute.',
    );
  });

  it('falls back to "your partner" before the name is known', () => {
    const limit = limitOf({ startsAt: START, endsAt: FOUR, limitedBy: 'partner' });
    expect(whyShorter(en, limit, undefined)).toMatch(/^Your partner has 4 minutes left today/);
  });

  it('says nothing about a session with its full length', () => {
    expect(limitOf({ startsAt: START, endsAt: '2030-01-01T12:15:00Z' })).toBeNull();
    expect(whyShorter(en, null, 'Bob')).toBeNull();
  });

  it('reads the length from the server times, whole minutes, at least one', () => {
    expect(sessionMinutes(START, FOUR)).toBe(4);
    expect(sessionMinutes(START, '2030-01-01T12:03:59.600Z')).toBe(4);
    expect(sessionMinutes(START, START)).toBe(1);
  });
});

describe('the summary of a short call', () => {
  const limit = { by: 'partner' as const, minutes: 4 };

  it('explains a call that ran to its end', () => {
    expect(whyItWasShort(en, limit, 'time_up', 'Bob')).toBe(
      'The call lasted 4 minutes because Bob had 4 minutes left today.',
    );
    expect(whyItWasShort(en, { by: 'me', minutes: 2 }, 'time_up', 'Bob')).toBe(
      'The call lasted 2 minutes because you had 2 minutes left today.',
    );
  });

  it('stays quiet when someone stopped it or it had its full length', () => {
    expect(whyItWasShort(en, limit, 'stopped', 'Bob')).toBeNull();
    expect(whyItWasShort(en, null, 'time_up', 'Bob')).toBeNull();
  });
});

describe('while waiting', () => {
  it('tells someone with fewer minutes than a session that their call will be shorter', () => {
    expect(waitingLimitText(en, 4, 15)).toBe(
      'You have 4 minutes left today, so your call will last at most 4 minutes. ' +
        'We look for someone with about as many minutes left.',
    );
  });

  it('says nothing with a full session held, before the hold, or without the limits', () => {
    expect(waitingLimitText(en, 15, 15)).toBeNull();
    expect(waitingLimitText(en, 0, 15)).toBeNull();
    expect(waitingLimitText(en, 4, undefined)).toBeNull();
  });
});

describe('the note on screen', () => {
  it('renders the sentence, and nothing without one', () => {
    const html = renderToStaticMarkup(
      createElement(LengthNote, { text: 'Bob has 4 minutes left today.' }),
    );
    expect(html).toBe(
      '<p class="muted small" data-testid="length-reason">Bob has 4 minutes left today.</p>',
    );
    expect(renderToStaticMarkup(createElement(LengthNote, { text: null }))).toBe('');
  });
});
