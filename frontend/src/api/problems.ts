// Every refusal the server (or the network) can give, as a sentence a person understands.

import { ApiError } from './http';

const PROBLEM_SENTENCES: Record<string, string> = {
  unauthorized: 'Your sign-in has expired. Please sign in again.',
  'account-deleted': 'This account has been deleted.',
  'account-busy':
    'Your account cannot be deleted while you wait for a partner, talk, or have an invite open. Finish that first, then try again.',
  forbidden: 'You are not allowed to do that.',
  'not-found': 'That no longer exists.',
  'invalid-json': 'Parley could not read what was sent. Please try again.',
  'validation-failed': 'Some of what you entered is not valid.',
  'body-too-large': 'That is too long to send.',
  'rate-limited': 'That was a lot of requests at once. Please wait a moment and try again.',
  'unsupported-media-type': 'Parley could not read what was sent. Please try again.',
  'already-waiting': 'You are already waiting for a partner.',
  'in-session': 'You are already in a conversation.',
  'no-ticket': 'You were not waiting any more.',
  'invitee-offline': 'That person has just gone offline.',
  'invitee-busy': 'That person is busy right now — in a conversation or answering another invite.',
  'self-invite': 'You cannot invite yourself.',
  'invite-not-found': 'That invite is no longer open.',
  'session-not-live': 'That conversation has already ended.',
  'not-a-participant': 'You are not part of that conversation.',
  'wrong-media-mode': 'This conversation uses a different kind of video connection. Please reload.',
  timeout: 'Parley did not answer in time. Check your connection and try again.',
  network: 'Parley could not be reached. Check your connection and try again.',
  'bad-response': 'Parley sent an answer that could not be read. Please try again.',
  'server-error': 'Something went wrong on our side. Please try again.',
};

const FALLBACK = 'Something went wrong. Please try again.';

/** The sentence for a problem `code`; unknown codes get a general sentence. */
export function sentenceForCode(code: string): string {
  return PROBLEM_SENTENCES[code] ?? FALLBACK;
}

/** The sentence for any thrown value, with field errors and Retry-After spelled out. */
export function sentenceForError(error: unknown): string {
  if (!(error instanceof ApiError)) return FALLBACK;
  let sentence = sentenceForCode(error.code);
  if (error.code === 'validation-failed' && error.errors.length > 0) {
    sentence += ' ' + error.errors.map((e) => `${e.field}: ${e.message}`).join('; ') + '.';
  }
  if (error.code === 'rate-limited' && error.retryAfterS !== undefined) {
    sentence = `That was a lot of requests at once. Please try again in ${error.retryAfterS} s.`;
  }
  return sentence;
}

/** Codes that a plain retry might fix (the Retry button is offered for these). */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  return ['timeout', 'network', 'bad-response', 'server-error', 'rate-limited'].includes(
    error.code,
  );
}

/** Why someone at 0 points cannot talk, and when they can again. */
export function noPointsSentence(untilText: string, dailyPoints = 15): string {
  return `You have used today's ${dailyPoints} ${dailyPoints === 1 ? 'point' : 'points'}. You can talk again ${untilText}.`;
}

// ---- reasons carried by pushed messages -------------------------------------------------

/** `ticket.rejected` → why Join did not work. `untilText` is e.g. "in 5 h 12 min". */
export function ticketRejectedSentence(
  reason: string,
  untilText: string,
  dailyPoints = 15,
): string {
  switch (reason) {
    case 'no_points':
      return noPointsSentence(untilText, dailyPoints);
    case 'already_waiting':
      return 'You are already waiting for a partner.';
    case 'in_session':
      return 'You are already in a conversation.';
    case 'busy':
      return 'You have an invite open. Answer or withdraw it before joining.';
    default:
      return 'Joining did not work this time. Please try again.';
  }
}

export interface InviteOutcomeFacts {
  kind: 'accepted' | 'declined' | 'expired' | 'cancelled' | 'rejected' | 'accept_failed';
  reason?: string | undefined;
  direction: 'incoming' | 'outgoing' | 'unknown';
  /** The other person's name, if known. */
  name?: string | undefined;
}

/** One sentence for every way an invite can end, from the point of view of this person. */
export function inviteOutcomeSentence(facts: InviteOutcomeFacts): string {
  const who = facts.name || 'The other person';
  const whom = facts.name || 'the other person';
  const outgoing = facts.direction === 'outgoing';
  switch (facts.kind) {
    case 'accepted':
      return outgoing
        ? `${who} accepted your invite. Starting your conversation…`
        : 'Invite accepted. Starting your conversation…';
    case 'declined':
      return outgoing ? `${who} declined your invite.` : `You declined the invite from ${whom}.`;
    case 'expired':
      return outgoing
        ? `${who} did not answer in time, so the invite expired.`
        : `The invite from ${whom} expired before it was answered.`;
    case 'cancelled':
      return cancelledSentence(facts.reason, outgoing, who, whom);
    case 'rejected':
      return inviteRejectedSentence(facts.reason, whom);
    case 'accept_failed':
      return acceptFailedSentence(facts.reason, whom);
  }
}

function cancelledSentence(
  reason: string | undefined,
  outgoing: boolean,
  who: string,
  whom: string,
): string {
  if (reason === 'busy' || reason === 'accepted_elsewhere') {
    return outgoing
      ? `${who} is busy right now, so your invite was cancelled.`
      : `The invite from ${whom} was cancelled.`;
  }
  if (reason === 'unavailable' || reason === 'blocked') {
    return `Your invite to ${whom} could not be delivered.`;
  }
  return outgoing ? 'You withdrew your invite.' : `${who} withdrew the invite.`;
}

function inviteRejectedSentence(reason: string | undefined, whom: string): string {
  switch (reason) {
    case 'no_points':
      return `You cannot invite ${whom}: you have no points left today.`;
    case 'in_session':
      return `You cannot invite ${whom} while you are in a conversation.`;
    case 'already_waiting':
      return `You cannot invite ${whom} while you are waiting for a match. Leave the queue first.`;
    case 'busy':
    case 'invitee_busy':
      return `${whom} is busy right now. Try again in a little while.`;
    default:
      return `Your invite to ${whom} could not be sent.`;
  }
}

function acceptFailedSentence(reason: string | undefined, whom: string): string {
  switch (reason) {
    case 'no_points':
      return `You cannot accept: you have no points left today.`;
    case 'already_waiting':
      return 'You cannot accept while you are waiting for a match. Leave the queue first.';
    case 'in_session':
      return 'You cannot accept while you are in a conversation.';
    case 'expired':
      return `Too late — the invite from ${whom} had already expired.`;
    case 'not_pending':
      return `The invite from ${whom} is no longer open.`;
    default:
      return `The invite from ${whom} could not be accepted.`;
  }
}

/** Why a conversation ended, for the summary. */
export function endReasonSentence(
  reason: string | undefined,
  stoppedByMe: boolean,
  partnerNoShow = false,
): string {
  switch (reason) {
    case 'time_up':
      return 'Time is up.';
    case 'stopped':
      return stoppedByMe ? 'You ended the conversation.' : 'The conversation was ended.';
    case 'left':
      return 'The connection was lost and the conversation ended.';
    case 'cancelled':
      return partnerNoShow
        ? "Your partner never connected, so this one is free — no points used. Join again now and you'll be first in line."
        : 'The conversation was cancelled before it began.';
    default:
      return 'The conversation has ended.';
  }
}
