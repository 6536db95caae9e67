// One typed function per route of docs/api.md.

import { ApiError, type HttpClient } from './http';
import type {
  AppConfig,
  FeedbackVerdict,
  MinutesSpoken,
  PresentPerson,
  WordSaved,
  WordsPage,
  HistoryPage,
  JoinAnswer,
  Me,
  PersonRef,
  Preferences,
  ReportReason,
  SignalKind,
} from './types';
import type { components } from './generated/openapi';

type Schemas = components['schemas'];
/** Operators' shapes (docs/api.md, `/v1/admin/*`). */
export type Suspension = Schemas['Suspension'];
export type SuspensionDecision = Schemas['Decision'];
export type AuditEntry = Schemas['LoggedAction'];

const enc = encodeURIComponent;

export class ParleyApi {
  readonly http: HttpClient;

  constructor(http: HttpClient) {
    this.http = http;
  }

  config(): Promise<AppConfig> {
    return this.http.request('GET', '/v1/config', { anonymous: true });
  }

  me(): Promise<Me> {
    return this.http.request('GET', '/v1/me');
  }

  /** Everything Parley holds about me (docs/privacy.md), to save as a file. */
  exportMe(): Promise<Record<string, unknown>> {
    return this.http.request('GET', '/v1/me/export');
  }

  /** Delete my account; my sign-in stops working at once. */
  deleteMe(): Promise<{ pseudonym: string }> {
    return this.http.request('DELETE', '/v1/me');
  }

  putPreferences(preferences: Preferences): Promise<Preferences> {
    return this.http.request('PUT', '/v1/me/preferences', { body: preferences });
  }

  joinQueue(): Promise<{ ticketId: string }> {
    return this.http.request('POST', '/v1/queue', { body: {} });
  }

  leaveQueue(): Promise<{ ticketId: string }> {
    return this.http.request('DELETE', '/v1/queue');
  }

  presence(): Promise<{ people: PresentPerson[] }> {
    return this.http.request('GET', '/v1/presence');
  }

  invite(userId: string): Promise<{ inviteId: string; expiresAt: string }> {
    return this.http.request('POST', '/v1/invites', { body: { to: userId } });
  }

  acceptInvite(inviteId: string): Promise<{ inviteId: string }> {
    return this.http.request('POST', `/v1/invites/${enc(inviteId)}/accept`);
  }

  declineInvite(inviteId: string): Promise<{ inviteId: string }> {
    return this.http.request('POST', `/v1/invites/${enc(inviteId)}/decline`);
  }

  withdrawInvite(inviteId: string): Promise<{ inviteId: string }> {
    return this.http.request('DELETE', `/v1/invites/${enc(inviteId)}`);
  }

  joinSession(sessionId: string): Promise<JoinAnswer> {
    return this.http.request('POST', `/v1/sessions/${enc(sessionId)}/join`);
  }

  stopSession(sessionId: string): Promise<{ sessionId: string }> {
    return this.http.request('POST', `/v1/sessions/${enc(sessionId)}/stop`);
  }

  /** Direct mode: my peer connection is up (minutes count from when both have said so). */
  reportConnected(sessionId: string): Promise<{ sessionId: string }> {
    return this.http.request('POST', `/v1/sessions/${enc(sessionId)}/connected`);
  }

  /**
   * Direct mode: my peer connection went away (`connected` again puts me back). A gateway
   * without the route (404 `not-found`) changes nothing: the call goes on as before.
   */
  async reportDisconnected(sessionId: string): Promise<void> {
    try {
      await this.http.request('POST', `/v1/sessions/${enc(sessionId)}/disconnected`, {
        keepalive: true,
      });
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return;
      throw e;
    }
  }

  /** Another conversation prompt for both of us (pushed to both as `session.topic`). */
  nextTopic(sessionId: string): Promise<{ sessionId: string }> {
    return this.http.request('POST', `/v1/sessions/${enc(sessionId)}/topic`);
  }

  /** How the conversation went for me, kept private. */
  feedback(sessionId: string, verdict: FeedbackVerdict): Promise<{ sessionId: string }> {
    return this.http.request('POST', `/v1/sessions/${enc(sessionId)}/feedback`, {
      body: { verdict },
    });
  }

  /** Keep a word or phrase from the call's chat. */
  starWord(sessionId: string, text: string): Promise<WordSaved> {
    return this.http.request('POST', `/v1/sessions/${enc(sessionId)}/words`, { body: { text } });
  }

  /** The words I kept, newest first, a page at a time. */
  words(page: { cursor?: string | null; limit?: number } = {}): Promise<WordsPage> {
    const q = new URLSearchParams();
    if (page.limit) q.set('limit', String(page.limit));
    if (page.cursor) q.set('cursor', page.cursor);
    const query = q.toString();
    return this.http.request('GET', `/v1/me/words${query ? `?${query}` : ''}`);
  }

  /** Minutes I spoke per language over the last `days` days. */
  minutes(days = 7): Promise<MinutesSpoken> {
    return this.http.request('GET', `/v1/me/minutes?days=${days}`);
  }

  signal(sessionId: string, kind: SignalKind, data: unknown, keepalive = false): Promise<void> {
    return this.http.request('POST', `/v1/sessions/${enc(sessionId)}/signal`, {
      body: { kind, data },
      keepalive,
    });
  }

  /** One page of my history, newest first; `nextCursor` asks for the page after it. */
  sessions(page: { cursor?: string | null; limit?: number } = {}): Promise<HistoryPage> {
    const q = new URLSearchParams();
    if (page.limit) q.set('limit', String(page.limit));
    if (page.cursor) q.set('cursor', page.cursor);
    const query = q.toString();
    return this.http.request('GET', `/v1/sessions${query ? `?${query}` : ''}`);
  }

  blocks(): Promise<{ people: PersonRef[] }> {
    return this.http.request('GET', '/v1/blocks');
  }

  unblock(userId: string): Promise<void> {
    return this.http.request('DELETE', `/v1/blocks/${enc(userId)}`);
  }

  block(userId: string): Promise<void> {
    return this.http.request('POST', '/v1/blocks', { body: { userId } });
  }

  talkAgain(sessionId: string): Promise<{ partner: PersonRef; mutual: boolean }> {
    return this.http.request('POST', '/v1/partners', { body: { sessionId } });
  }

  partners(): Promise<{ people: PersonRef[] }> {
    return this.http.request('GET', '/v1/partners');
  }

  removePartner(userId: string): Promise<void> {
    return this.http.request('DELETE', `/v1/partners/${enc(userId)}`);
  }

  report(body: {
    userId: string;
    reason: ReportReason;
    sessionId?: string;
    note?: string;
  }): Promise<void> {
    return this.http.request('POST', '/v1/reports', { body });
  }

  // ---- operators only (`cognito:groups` has `operators`) ----

  suspensions(): Promise<{ people: Suspension[] }> {
    return this.http.request('GET', '/v1/admin/suspensions');
  }

  decideSuspension(person: string, decision: SuspensionDecision): Promise<void> {
    return this.http.request('POST', `/v1/admin/suspensions/${enc(person)}`, { body: decision });
  }

  auditLog(): Promise<{ actions: AuditEntry[] }> {
    return this.http.request('GET', '/v1/admin/audit');
  }
}
