// Starts the call the join answer describes. LiveKit's client is fetched only here, on demand.

import type { JoinAnswer } from '../api/types';
import { startDirectCall, type SendSignal } from './direct';
import type { SignalInbox } from './signalling';
import type { CallEvents, CallHandle } from './types';

export async function startCall(
  join: JoinAnswer,
  inbox: SignalInbox,
  send: SendSignal,
  events: CallEvents,
): Promise<CallHandle> {
  if (join.mode === 'livekit') {
    const { startLiveKitCall } = await import('./livekit');
    return startLiveKitCall(join, events);
  }
  return startDirectCall(join, inbox, send, events);
}
