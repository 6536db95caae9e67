import { describe, expect, it } from 'vitest';
import { ApiError } from './http';
import {
  endReasonSentence,
  inviteOutcomeSentence,
  isRetryable,
  sentenceForCode,
  sentenceForError,
  ticketRejectedSentence,
  type InviteOutcomeFacts,
} from './problems';

// Every code docs/api.md lists, plus the ones the client makes itself.
const DOCUMENTED_CODES = [
  'unauthorized',
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
  'invitee-offline',
  'invitee-busy',
  'self-invite',
  'invite-not-found',
  'session-not-live',
  'not-a-participant',
  'wrong-media-mode',
];
const CLIENT_CODES = ['timeout', 'network', 'bad-response', 'server-error'];
const GENERIC = sentenceForCode('some-code-nobody-knows');

describe('problem code → sentence', () => {
  it.each([...DOCUMENTED_CODES, ...CLIENT_CODES])('has its own sentence for %s', (code) => {
    const sentence = sentenceForCode(code);
    expect(sentence).not.toBe(GENERIC);
    expect(sentence).toMatch(/^[A-Z].*[.!]$/);
    expect(sentence).not.toContain(code);
  });

  it('gives every code a different sentence where the meaning differs', () => {
    const sentences = new Set(DOCUMENTED_CODES.map(sentenceForCode));
    // invalid-json and unsupported-media-type both mean "we sent something unreadable"
    expect(sentences.size).toBe(DOCUMENTED_CODES.length - 1);
  });

  it('falls back to a general sentence for an unknown code', () => {
    expect(GENERIC).toBe('Something went wrong. Please try again.');
  });

  it('spells out which fields failed validation', () => {
    const error = new ApiError({
      status: 400,
      code: 'validation-failed',
      errors: [{ field: 'speaks', message: 'unknown language "xx"' }],
    });
    expect(sentenceForError(error)).toContain('speaks: unknown language "xx"');
  });

  it('says how long to wait when rate-limited with Retry-After', () => {
    const error = new ApiError({ status: 429, code: 'rate-limited', retryAfterS: 7 });
    expect(sentenceForError(error)).toContain('7 s');
  });

  it('offers Retry for network trouble but not for a refusal', () => {
    expect(isRetryable(new ApiError({ status: 0, code: 'timeout' }))).toBe(true);
    expect(isRetryable(new ApiError({ status: 503, code: 'server-error' }))).toBe(true);
    expect(isRetryable(new ApiError({ status: 409, code: 'invitee-busy' }))).toBe(false);
  });
});

describe('pushed reasons → sentence', () => {
  it('tells a person without points when they can talk again', () => {
    expect(ticketRejectedSentence('no_points', 'in 5 h 12 min')).toBe(
      "You have used today's 15 points. You can talk again in 5 h 12 min.",
    );
    expect(ticketRejectedSentence('no_points', 'in 1 h', 10)).toContain("today's 10 points");
  });

  it.each(['already_waiting', 'in_session', 'busy', 'whatever'])(
    'explains ticket.rejected %s in words',
    (reason) => {
      expect(ticketRejectedSentence(reason, 'in 1 h')).toMatch(/^[A-Z].*\.$/);
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
    { kind: 'accept_failed', direction: 'incoming', name: 'Bob', reason: 'expired' },
    { kind: 'accept_failed', direction: 'incoming', name: 'Bob', reason: 'no_points' },
  ];
  it.each(outcomes)('says how an invite ended: $kind ($direction, $reason)', (facts) => {
    const sentence = inviteOutcomeSentence(facts);
    expect(sentence).toMatch(/^[A-Z].*[.…]$/);
    expect(sentence).not.toMatch(/undefined|_/);
  });

  it('names the other person when it knows them', () => {
    expect(inviteOutcomeSentence({ kind: 'declined', direction: 'outgoing', name: 'Bob' })).toBe(
      'Bob declined your invite.',
    );
    expect(inviteOutcomeSentence({ kind: 'declined', direction: 'outgoing' })).toBe(
      'The other person declined your invite.',
    );
  });

  it('explains why the conversation ended', () => {
    expect(endReasonSentence('time_up', false)).toBe('Time is up.');
    expect(endReasonSentence('stopped', true)).toBe('You ended the conversation.');
    expect(endReasonSentence(undefined, false)).toBe('The conversation has ended.');
    expect(endReasonSentence('cancelled', false)).toBe(
      'The conversation was cancelled before it began.',
    );
    expect(endReasonSentence('cancelled', false, true)).toMatch(
      /partner never connected.*free.*first in line/,
    );
  });
});
