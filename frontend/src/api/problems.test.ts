import { describe, expect, it } from 'vitest';
import { createTranslator, type Catalogue } from '../i18n/translator';
import { englishTranslator as en } from '../i18n/english';
import { loadTranslator } from '../i18n/catalogues';
import { SignInError } from './cognito';
import { ApiError } from './http';
import {
  endReasonSentence,
  inviteOutcomeSentence,
  isRetryable,
  nameFieldError,
  nameRefusal,
  sentenceForCode,
  sentenceForError,
  ticketRejectedSentence,
  type InviteOutcomeFacts,
} from './problems';

// Every code docs/api.md lists, plus the ones the client makes itself.
const DOCUMENTED_CODES = [
  'unauthorized',
  'account-deleted',
  'account-busy',
  'forbidden',
  'not-found',
  'invalid-json',
  'validation-failed',
  'body-too-large',
  'rate-limited',
  'unsupported-media-type',
  'already-waiting',
  'in-session',
  'no-ticket',
  'level-not-learnt',
  'invitee-offline',
  'invitee-busy',
  'invitee-unavailable',
  'banned',
  'suspended',
  'self-invite',
  'invite-not-found',
  'session-not-live',
  'not-a-participant',
  'wrong-media-mode',
  'no-shared-session',
  'report-window-closed',
  'already-reported',
  'session-not-ended',
  'feedback-window-closed',
  'feedback-given',
  'word-window-closed',
  'word-list-full',
  'media-unavailable',
  'unavailable',
];
const CLIENT_CODES = ['timeout', 'network', 'bad-response', 'server-error'];
const GENERIC = sentenceForCode(en, 'some-code-nobody-knows');

describe('problem code → sentence', () => {
  it.each([...DOCUMENTED_CODES, ...CLIENT_CODES])('has its own sentence for %s', (code) => {
    const sentence = sentenceForCode(en, code);
    expect(sentence).not.toBe(GENERIC);
    expect(sentence).toMatch(/^[A-Z].*[.!]$/);
    expect(sentence).not.toContain(code);
  });

  it('gives every code a different sentence where the meaning differs', () => {
    const sentences = new Set(DOCUMENTED_CODES.map((c) => sentenceForCode(en, c)));
    // invalid-json and unsupported-media-type both mean "we sent something unreadable"
    expect(sentences.size).toBe(DOCUMENTED_CODES.length - 1);
  });

  it('falls back to a general sentence for an unknown code', () => {
    expect(GENERIC).toBe('Something went wrong. Please try again.');
  });

  it('says the reporting rules in plain words', () => {
    expect(sentenceForCode(en, 'no-shared-session')).toBe(
      'You can report someone only about a conversation you had with them.',
    );
    expect(sentenceForCode(en, 'report-window-closed')).toBe(
      'Reports are taken within 24 hours of the conversation.',
    );
    expect(sentenceForCode(en, 'already-reported')).toBe(
      'You have already reported this person for this conversation.',
    );
  });

  it('spells out which fields failed validation', () => {
    const error = new ApiError({
      status: 400,
      code: 'validation-failed',
      errors: [{ field: 'speaks', message: 'unknown language "xx"' }],
    });
    expect(sentenceForError(en, error)).toContain('speaks: unknown language "xx"');
  });

  it('says how long to wait when rate-limited with Retry-After', () => {
    const error = new ApiError({ status: 429, code: 'rate-limited', retryAfterS: 7 });
    expect(sentenceForError(en, error)).toContain('7 sec');
  });

  it('says a sign-in failure by its own sentence', () => {
    expect(sentenceForError(en, new SignInError('signIn.mismatch'))).toBe(
      'That username and password do not match.',
    );
  });

  it('offers Retry for network trouble but not for a refusal', () => {
    expect(isRetryable(new ApiError({ status: 0, code: 'timeout' }))).toBe(true);
    expect(isRetryable(new ApiError({ status: 503, code: 'server-error' }))).toBe(true);
    expect(isRetryable(new ApiError({ status: 409, code: 'invitee-busy' }))).toBe(false);
  });
});

describe('a refused display name', () => {
  const refused = (message: string) =>
    new ApiError({ status: 400, code: 'validation-failed', errors: [{ field: 'name', message }] });

  it('is found among the field errors', () => {
    expect(nameFieldError(refused('x'))).toEqual({ field: 'name', message: 'x' });
    expect(nameFieldError(new ApiError({ status: 409, code: 'in-session' }))).toBeNull();
  });

  it("says the server's reasons in the person's language", async () => {
    const de = await loadTranslator('de');
    const staff = "Value error, may not look like Parley's own staff or carry a check mark";
    expect(nameRefusal(en, staff)).toBe(
      "A name may not look like Parley's own staff or carry a check mark.",
    );
    expect(nameRefusal(de, staff)).not.toBe(nameRefusal(en, staff));
    expect(nameRefusal(en, 'Value error, may be at most 64 characters')).toContain('64');
    expect(nameRefusal(en, 'Value error, must contain visible characters')).toBe(
      'A name must contain visible characters.',
    );
  });

  it('keeps a reason it does not know, rather than hiding it', () => {
    expect(nameRefusal(en, 'something new')).toContain('something new');
  });
});

describe('pushed reasons → sentence', () => {
  it('tells a person without points when they can talk again', () => {
    expect(ticketRejectedSentence(en, 'no_points', 'in 5 hr, 12 min')).toBe(
      "You have used today's 15 points. You can talk again in 5 hr, 12 min.",
    );
    expect(ticketRejectedSentence(en, 'no_points', 'in 1 hour', 10)).toContain("today's 10 points");
    expect(ticketRejectedSentence(en, 'no_points', 'in 1 hour', 1)).toContain("today's 1 point.");
  });

  it.each(['already_waiting', 'in_session', 'busy', 'whatever'])(
    'explains ticket.rejected %s in words',
    (reason) => {
      expect(ticketRejectedSentence(en, reason, 'in 1 hour')).toMatch(/^[A-Z].*\.$/);
    },
  );

  const outcomes: InviteOutcomeFacts[] = [
    { kind: 'accepted', direction: 'outgoing', name: 'Bob' },
    { kind: 'declined', direction: 'outgoing', name: 'Bob' },
    { kind: 'declined', direction: 'incoming', name: 'Bob' },
    { kind: 'expired', direction: 'outgoing', name: 'Bob' },
    { kind: 'expired', direction: 'incoming', name: 'Bob' },
    { kind: 'cancelled', direction: 'outgoing', reason: 'withdrawn' },
    { kind: 'cancelled', direction: 'incoming', name: 'Bob', reason: 'withdrawn' },
    { kind: 'cancelled', direction: 'outgoing', name: 'Bob', reason: 'busy' },
    { kind: 'rejected', direction: 'outgoing', name: 'Bob', reason: 'no_points' },
    { kind: 'rejected', direction: 'outgoing', reason: 'invitee_busy' },
    { kind: 'accept_failed', direction: 'incoming', name: 'Bob', reason: 'expired' },
    { kind: 'accept_failed', direction: 'incoming', name: 'Bob', reason: 'no_points' },
  ];
  it.each(outcomes)('says how an invite ended: $kind ($direction, $reason)', (facts) => {
    const sentence = inviteOutcomeSentence(en, facts);
    expect(sentence).toMatch(/^[A-Z].*[.…]$/);
    expect(sentence).not.toMatch(/undefined|_|\{/);
  });

  it('names the other person when it knows them', () => {
    expect(
      inviteOutcomeSentence(en, { kind: 'declined', direction: 'outgoing', name: 'Bob' }),
    ).toBe('Bob declined your invite.');
    expect(inviteOutcomeSentence(en, { kind: 'declined', direction: 'outgoing' })).toBe(
      'The other person declined your invite.',
    );
  });

  it('explains why the conversation ended', () => {
    expect(endReasonSentence(en, 'time_up', false)).toBe('Time is up.');
    expect(endReasonSentence(en, 'stopped', true)).toBe('You ended the conversation.');
    expect(endReasonSentence(en, undefined, false)).toBe('The conversation has ended.');
    expect(endReasonSentence(en, 'cancelled', false)).toBe(
      'The conversation was cancelled before it began.',
    );
    expect(endReasonSentence(en, 'cancelled', false, true)).toMatch(
      /partner never connected.*free.*first in line/,
    );
  });

  it('names the partner who pressed Stop', () => {
    expect(endReasonSentence(en, 'stopped', false, false, 'Bob')).toBe(
      'Bob ended the conversation.',
    );
    expect(endReasonSentence(en, 'stopped', true, false, 'Bob')).toBe(
      'You ended the conversation.',
    );
    expect(endReasonSentence(en, 'stopped', false, false, null)).toBe(
      'The conversation was ended.',
    );
  });

  it('says bans, suspensions and an invitee out of time clearly', () => {
    for (const code of ['banned', 'suspended', 'invitee-unavailable']) {
      expect(sentenceForCode(en, code)).not.toBe(GENERIC);
    }
    const banned = new ApiError({ status: 403, code: 'banned' });
    expect(sentenceForError(en, banned)).toMatch(/barred/);
    expect(sentenceForCode(en, 'suspended')).toMatch(/paused/);
  });
});

describe('a translation that breaks', () => {
  it('falls back to the English words rather than failing the screen', () => {
    const english = { 'end.timeUp': 'Time is up.' } as unknown as Catalogue;
    const broken = { 'end.timeUp': [['missing']] } as unknown as Catalogue;
    expect(createTranslator('de', broken, english).t('end.timeUp')).toBe('Time is up.');
  });
});
