import { useEffect, useRef } from 'react';
import { useParley } from '../app/context';
import { inviteOutcomeSentence } from '../api/problems';
import { useNow } from '../hooks/useNow';
import { formatClock, remainingSeconds } from '../lib/countdown';
import { useT } from '../i18n/context';
import type { IncomingInvite, OutgoingInvite } from '../state/machine';

/** After the countdown ends, wait this long for the server's word before closing the invite. */
const LAPSE_GRACE_S = 5;
const OUTCOME_VISIBLE_MS = 30_000;

/** Invites float above every page: incoming ones, my pending one, and how the last one ended. */
export function InviteOverlay() {
  const { state } = useParley();
  const incoming = state.phase === 'in-call' ? undefined : state.incoming[0];
  return (
    <div className="overlay-stack" aria-live="polite">
      {incoming && <IncomingCard invite={incoming} more={state.incoming.length - 1} />}
      {state.outgoing && <OutgoingCard invite={state.outgoing} />}
      <OutcomeToast />
    </div>
  );
}

function useSecondsLeft(expiresAt: string, inviteId: string): number {
  const { clock, actions } = useParley();
  const now = useNow(500);
  const left = remainingSeconds(expiresAt, now, clock.offsetMs);
  const lapsed = remainingSeconds(expiresAt, now - LAPSE_GRACE_S * 1000, clock.offsetMs) === 0;
  useEffect(() => {
    if (lapsed) actions.inviteLapsed(inviteId);
  }, [lapsed, inviteId, actions]);
  return left;
}

/** An invite takes the focus (it needs an answer) and gives it back once answered. */
function useFocusWhileOpen(key: string) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    ref.current?.querySelector<HTMLElement>('button')?.focus();
    const popup = ref.current;
    return () => {
      const inside = !document.activeElement || popup?.contains(document.activeElement);
      if (inside || document.activeElement === document.body) opener?.focus?.();
    };
  }, [key]);
  return ref;
}

function IncomingCard({ invite, more }: { invite: IncomingInvite; more: number }) {
  const { actions } = useParley();
  const left = useSecondsLeft(invite.expiresAt, invite.inviteId);
  const ref = useFocusWhileOpen(invite.inviteId);
  const tr = useT();
  const { from } = invite;
  const name = from.name || tr.t('common.someone');
  return (
    <div
      ref={ref}
      className="popup"
      role="dialog"
      aria-label={tr.t('invite.label', { name })}
      data-testid="invite-popup"
    >
      <p>{tr.rich('invite.wouldLike', { name, b: (c) => <strong>{c}</strong> })}</p>
      <p className="muted small">
        {tr.t('common.speaksPractising', {
          speaks: tr.languages(from.speaks),
          learns: tr.languages(from.learns),
        })}
      </p>
      <p className="small">
        {left > 0
          ? tr.t('invite.answerWithin', { time: formatClock(left) })
          : tr.t('invite.timeUp')}
        {more > 0 ? ` · ${tr.t('invite.more', { count: more })}` : ''}
      </p>
      <div className="row">
        <button
          data-testid="accept-invite"
          disabled={invite.answering !== null || left === 0}
          onClick={() => void actions.accept(invite.inviteId)}
        >
          {invite.answering === 'accept' ? tr.t('invite.starting') : tr.t('invite.accept')}
        </button>
        <button
          className="secondary"
          data-testid="decline-invite"
          disabled={invite.answering !== null}
          onClick={() => void actions.decline(invite.inviteId)}
        >
          {invite.answering === 'decline' ? tr.t('invite.declining') : tr.t('invite.decline')}
        </button>
      </div>
    </div>
  );
}

function OutgoingCard({ invite }: { invite: OutgoingInvite }) {
  const { actions } = useParley();
  const left = useSecondsLeft(invite.expiresAt, invite.inviteId);
  const tr = useT();
  return (
    <div className="popup" role="status" data-testid="invite-pending">
      <p>
        {tr.rich('invite.waitingFor', {
          name: invite.to.name || tr.t('common.them'),
          b: (c) => <strong>{c}</strong>,
        })}
      </p>
      <p className="small">
        {left > 0 ? tr.t('invite.left', { time: formatClock(left) }) : tr.t('invite.timeUp')}
      </p>
      <button
        className="secondary"
        data-testid="withdraw-invite"
        onClick={() => void actions.withdraw(invite.inviteId)}
      >
        {tr.t('invite.withdraw')}
      </button>
    </div>
  );
}

function OutcomeToast() {
  const { state, actions } = useParley();
  const tr = useT();
  const outcome = state.outcome;
  useEffect(() => {
    if (!outcome) return;
    const timer = setTimeout(actions.dismissOutcome, OUTCOME_VISIBLE_MS);
    return () => clearTimeout(timer);
  }, [outcome, actions]);
  if (!outcome) return null;
  return (
    <div
      className={`toast outcome-${outcome.kind}`}
      role="status"
      data-testid="invite-outcome"
      data-outcome={outcome.kind}
    >
      <p>{inviteOutcomeSentence(tr, outcome)}</p>
      <button className="link" onClick={actions.dismissOutcome}>
        {tr.t('common.ok')}
      </button>
    </div>
  );
}
