// Every refusal the server (or the network) can give, as a sentence a person understands, in
// their language (src/i18n/messages/). Stable codes in, catalogue keys out.

import { SignInError } from './cognito';
import { ApiError, type FieldError } from './http';
import type { MessageKey, Translator } from '../i18n/translator';

/** Codes with a sentence of their own (`problem.<code>` in the catalogues). */
const CODES_WITH_SENTENCES = new Set<string>([
  'unauthorized',
  'account-deleted',
  'account-busy',
  'forbidden',
  'not-found',
  'invalid-json',
  'validation-failed',
  'body-too-large',
  'rate-limited',
  'too-many-sockets',
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
  'timeout',
  'network',
  'bad-response',
  'server-error',
]);

/** Codes that mean the same to a person as another one. */
const SAME_AS: Record<string, string> = {
  'unsupported-media-type': 'invalid-json',
  internal: 'server-error',
};

/** The sentence for a problem `code`; unknown codes get a general sentence. */
export function sentenceForCode(tr: Translator, code: string): string {
  const known = SAME_AS[code] ?? code;
  return CODES_WITH_SENTENCES.has(known)
    ? tr.t(`problem.${known}` as MessageKey)
    : tr.t('problem.fallback');
}

/** Why the server refused a display name, in the person's language (server says English). */
export function nameRefusal(tr: Translator, message: string): string {
  const text = message.replace(/^Value error, /, '');
  if (/control characters/.test(text)) return tr.t('name.control');
  if (/visible characters|at least 1 character/.test(text)) return tr.t('name.invisible');
  const long = /at most (\d+) characters?/.exec(text);
  if (long) return tr.t('name.tooLong', { max: Number(long[1]) });
  if (/staff|check mark/.test(text)) return tr.t('name.staff');
  return tr.t('name.invalid', { message: text });
}

/** The field error for the display name in a `validation-failed` answer, if there is one. */
export function nameFieldError(error: unknown): FieldError | null {
  if (!(error instanceof ApiError) || error.code !== 'validation-failed') return null;
  return error.errors.find((e) => e.field === 'name') ?? null;
}

/** The sentence for any thrown value, with field errors and Retry-After spelled out. */
export function sentenceForError(tr: Translator, error: unknown): string {
  if (error instanceof SignInError) return tr.t(error.key);
  if (!(error instanceof ApiError)) return tr.t('problem.fallback');
  let sentence = sentenceForCode(tr, error.code);
  if (error.code === 'validation-failed' && error.errors.length > 0) {
    const fields = error.errors.map((e) =>
      e.field === 'name'
        ? nameRefusal(tr, e.message)
        : tr.t('problem.field', { field: e.field, message: e.message }),
    );
    sentence += ' ' + fields.join(' ');
  }
  if (error.code === 'rate-limited' && error.retryAfterS !== undefined) {
    sentence = tr.t('problem.rate-limited-wait', { wait: tr.unit(error.retryAfterS, 'second') });
  }
  return sentence;
}

/** Codes that a plain retry might fix (the Retry button is offered for these). */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return !(error instanceof SignInError);
  return ['timeout', 'network', 'bad-response', 'server-error', 'rate-limited'].includes(
    error.code,
  );
}

/** Why someone at 0 points cannot talk, and when they can again. */
export function noPointsSentence(tr: Translator, untilText: string, dailyPoints = 15): string {
  return tr.t('points.none', { count: dailyPoints, until: untilText });
}

// ---- reasons carried by pushed messages -------------------------------------------------

/** `ticket.rejected` → why Join did not work. `untilText` is e.g. "in 5 hr, 12 min". */
export function ticketRejectedSentence(
  tr: Translator,
  reason: string,
  untilText: string,
  dailyPoints = 15,
): string {
  switch (reason) {
    case 'no_points':
      return noPointsSentence(tr, untilText, dailyPoints);
    case 'already_waiting':
      return tr.t('problem.already-waiting');
    case 'in_session':
      return tr.t('problem.in-session');
    case 'busy':
      return tr.t('ticket.busy');
    default:
      return tr.t('ticket.failed');
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
export function inviteOutcomeSentence(tr: Translator, facts: InviteOutcomeFacts): string {
  const outgoing = facts.direction === 'outgoing';
  // The name at the start of a sentence, or inside one.
  const who = { name: facts.name || tr.t('common.theOtherPerson') };
  const whom = { name: facts.name || tr.t('common.theOtherPersonLower') };
  const say = (key: MessageKey, values = whom) => tr.t(key, values);
  switch (facts.kind) {
    case 'accepted':
      return outgoing ? say('outcome.acceptedOut', who) : say('outcome.acceptedIn');
    case 'declined':
      return outgoing ? say('outcome.declinedOut', who) : say('outcome.declinedIn');
    case 'expired':
      return outgoing ? say('outcome.expiredOut', who) : say('outcome.expiredIn');
    case 'cancelled':
      if (facts.reason === 'busy' || facts.reason === 'accepted_elsewhere') {
        return outgoing ? say('outcome.busyOut', who) : say('outcome.cancelledIn');
      }
      if (facts.reason === 'unavailable' || facts.reason === 'blocked') {
        return say('outcome.undelivered');
      }
      return outgoing ? say('outcome.withdrawnOut') : say('outcome.withdrawnIn', who);
    case 'rejected':
      return say(REJECTED[facts.reason ?? ''] ?? 'outcome.rejectedOther', {
        name: facts.reason === 'busy' || facts.reason === 'invitee_busy' ? who.name : whom.name,
      });
    case 'accept_failed':
      return say(ACCEPT_FAILED[facts.reason ?? ''] ?? 'outcome.acceptOther');
  }
}

const REJECTED: Record<string, MessageKey> = {
  no_points: 'outcome.rejectedNoPoints',
  in_session: 'outcome.rejectedInSession',
  already_waiting: 'outcome.rejectedWaiting',
  busy: 'outcome.rejectedBusy',
  invitee_busy: 'outcome.rejectedBusy',
};

const ACCEPT_FAILED: Record<string, MessageKey> = {
  no_points: 'outcome.acceptNoPoints',
  already_waiting: 'outcome.acceptWaiting',
  in_session: 'outcome.acceptInSession',
  expired: 'outcome.acceptExpired',
  not_pending: 'outcome.acceptNotPending',
};

/** Why a conversation ended, for the summary. */
export function endReasonSentence(
  tr: Translator,
  reason: string | undefined,
  stoppedByMe: boolean,
  partnerNoShow = false,
  partnerName?: string | null,
): string {
  switch (reason) {
    case 'time_up':
      return tr.t('end.timeUp');
    case 'stopped':
      if (stoppedByMe) return tr.t('end.stoppedByMe');
      // The partner pressed Stop: say who, when we know their name.
      return partnerName ? tr.t('end.stoppedBy', { name: partnerName }) : tr.t('end.stopped');
    case 'left':
      return tr.t('end.left');
    case 'cancelled':
      return tr.t(partnerNoShow ? 'end.noShow' : 'end.cancelled');
    default:
      return tr.t('end.other');
  }
}
