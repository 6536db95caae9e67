import { useEffect, useRef } from 'react';
import { useParley } from '../app/context';
import { inviteOutcomeSentence } from '../api/problems';
import { useNow } from '../hooks/useNow';
import { formatClock, remainingSeconds } from '../lib/countdown';
import { languageList } from '../lib/languages';
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
  const { from } = invite;
  return (
    <div
      ref={ref}
      className="popup"
      role="dialog"
      aria-label={`Invitation from ${from.name || 'someone'}`}
      data-testid="invite-popup"
    >
      <p>
        <strong>{from.name || 'Someone'}</strong> would like to talk with you.
      </p>
      <p className="muted small">
        Speaks {languageList(from.speaks)} · practising {languageList(from.learns)}
      </p>
      <p className="small">
        {left > 0 ? `Answer within ${formatClock(left)}` : 'Time is up…'}
        {more > 0 ? ` · ${more} more waiting` : ''}
      </p>
      <div className="row">
        <button
          data-testid="accept-invite"
          disabled={invite.answering !== null || left === 0}
          onClick={() => void actions.accept(invite.inviteId)}
        >
          {invite.answering === 'accept' ? 'Starting…' : 'Accept'}
        </button>
        <button
          className="secondary"
          data-testid="decline-invite"
          disabled={invite.answering !== null}
          onClick={() => void actions.decline(invite.inviteId)}
        >
          {invite.answering === 'decline' ? 'Declining…' : 'Decline'}
        </button>
      </div>
    </div>
  );
}

function OutgoingCard({ invite }: { invite: OutgoingInvite }) {
  const { actions } = useParley();
  const left = useSecondsLeft(invite.expiresAt, invite.inviteId);
  return (
    <div className="popup" role="status" data-testid="invite-pending">
      <p>
        Waiting for <strong>{invite.to.name || 'them'}</strong> to answer your invite…
      </p>
      <p className="small">{left > 0 ? `${formatClock(left)} left` : 'Time is up…'}</p>
      <button
        className="secondary"
        data-testid="withdraw-invite"
        onClick={() => void actions.withdraw(invite.inviteId)}
      >
        Withdraw
      </button>
    </div>
  );
}

function OutcomeToast() {
  const { state, actions } = useParley();
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
      <p>{inviteOutcomeSentence(outcome)}</p>
      <button className="link" onClick={actions.dismissOutcome}>
        OK
      </button>
    </div>
  );
}
