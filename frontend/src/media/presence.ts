// Direct mode: the server learns when I am in the conversation's room and when I am not, from
// my peer connection's state. Time alone is never charged, so a connection that went away is
// said at once (failed, closed) or after a grace (disconnected often heals by itself), and a
// connection that came back is said again.

export const DISCONNECTED_REPORT_MS = 5_000;

export type PeerState = RTCPeerConnectionState;

export class PresenceReporter {
  /** What the server was last told (or is being told): in the room or not. */
  private present = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly report: (present: boolean) => Promise<unknown>;

  constructor(report: (present: boolean) => Promise<unknown>) {
    this.report = report;
  }

  onPeerState(state: PeerState): void {
    if (this.closed) return;
    switch (state) {
      case 'connected':
        this.cancelTimer();
        if (!this.present) this.say(true);
        break;
      case 'disconnected':
        if (this.present && this.timer === undefined) {
          this.timer = setTimeout(() => {
            this.timer = undefined;
            if (this.present) this.say(false);
          }, DISCONNECTED_REPORT_MS);
        }
        break;
      case 'failed':
      case 'closed':
        this.cancelTimer();
        if (this.present) this.say(false);
        break;
      default:
        break;
    }
  }

  /** The call is over here: nothing more is said (Stop or the tab closing tell the server). */
  close(): void {
    this.closed = true;
    this.cancelTimer();
  }

  private say(present: boolean): void {
    this.present = present;
    this.report(present).catch(() => {
      // Not heard: the next change of state says it again.
      if (this.present === present) this.present = !present;
    });
  }

  private cancelTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
