// The WebSocket that carries pushed hints. Reconnects with backoff, pings every 45 s, and tells
// its owner on every (re)connect so that it re-reads `GET /v1/me`, the truth. A socket lives
// no longer than the token it opened with: told `auth.expired` (or closed with 4001), it
// reconnects at once with the current token, which the auth session refreshed ahead of time.
// What ends a person's sign-in arrives here too, never by polling: a ban
// (`account.banned`, or close code 4403) or the account deleted elsewhere (`account.deleted`)
// stops the socket for good and tells the owner. A connect refused for a limit (4409: too
// many sockets, another tab must close; 4429: too many connects) is not retried in a loop:
// the owner is told why and the socket tries again once a minute (or when asked).

import { parsePush, type PushMessage } from './types';

// Under the 60 s idle timeout of common proxies (nginx, load balancers) with room to spare;
// API Gateway's own is 10 min. Every ping is a request against API Gateway's account
// throttle, so not more often than that (docs/capacity.md).
export const PING_INTERVAL_MS = 45_000;
const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_TOKEN_EXPIRED = 4001;
const CLOSE_BANNED = 4403;
const CLOSE_TOO_MANY_SOCKETS = 4409;
const CLOSE_TOO_MANY_CONNECTS = 4429;
/** After a connect refused for a limit: long enough not to hammer, short enough to recover. */
export const LIMITED_RETRY_MS = 60_000;

export type SocketStatus = 'connecting' | 'open' | 'reconnecting' | 'limited' | 'closed';
/** Why the server ended the person's sign-in on this socket: it will not connect again. */
export type SocketEnd = 'banned' | 'deleted';
/** Why the server refused this socket for now (a limit of the edge, docs/api.md). */
export type SocketLimit = 'too-many-sockets' | 'rate-limited';

/** `websocketUrl` from /v1/config (absolute or relative, ws or http) plus the token. */
export function socketUrl(base: string, token: string, pageHref: string): string {
  const url = new URL(base, pageHref);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  url.searchParams.set('token', token);
  return url.toString();
}

/** 1 s, 2 s, 4 s … capped at 30 s, with up to 30 % jitter so people do not reconnect in step. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 1000 * 2 ** Math.max(0, attempt));
  return Math.round(base * (1 + 0.3 * random()));
}

export interface PushSocketOptions {
  url: () => string | null;
  onMessage: (message: PushMessage) => void;
  onOpen: () => void;
  onStatus: (status: SocketStatus) => void;
  onUnauthorized: () => void;
  /** Banned, or the account deleted: the socket has stopped; sign out and say why. */
  onEnded?: (why: SocketEnd) => void;
  /** Refused for a limit: the socket tries again in `retryInMs` (or on `reconnectNow`). */
  onLimited?: (why: SocketLimit, retryInMs: number) => void;
  createSocket?: (url: string) => WebSocket;
}

export class PushSocket {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private stopped = true;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private readonly options: PushSocketOptions;

  constructor(options: PushSocketOptions) {
    this.options = options;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.attempt = 0;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close(1000);
    }
    this.options.onStatus('closed');
  }

  /** Drop the current connection and connect again now (e.g. after the page comes back). */
  reconnectNow(): void {
    if (this.stopped) return;
    clearTimeout(this.reconnectTimer);
    if (this.socket && this.socket.readyState === WebSocket.OPEN) return;
    this.connect();
  }

  private connect(): void {
    const url = this.options.url();
    if (!url) return;
    this.options.onStatus(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const socket = this.options.createSocket ? this.options.createSocket(url) : new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.options.onStatus('open');
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.send({ type: 'ping' }), PING_INTERVAL_MS);
      this.options.onOpen();
    };
    socket.onmessage = (event: MessageEvent) => {
      if (typeof event.data !== 'string') return;
      const message = parsePush(event.data);
      if (message?.type === 'auth.expired') {
        if (this.socket === socket) this.renew();
        return;
      }
      if (message?.type === 'account.banned') {
        this.end('banned');
        return;
      }
      if (message?.type === 'account.deleted') {
        this.end('deleted');
        return;
      }
      if (message && message.type !== 'pong') this.options.onMessage(message);
    };
    socket.onclose = (event: CloseEvent) => {
      clearInterval(this.pingTimer);
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      if (event.code === CLOSE_UNAUTHORIZED) {
        this.stopped = true;
        this.options.onStatus('closed');
        this.options.onUnauthorized();
        return;
      }
      if (event.code === CLOSE_TOKEN_EXPIRED) {
        this.connect();
        return;
      }
      if (event.code === CLOSE_BANNED) {
        this.end('banned');
        return;
      }
      if (event.code === CLOSE_TOO_MANY_SOCKETS || event.code === CLOSE_TOO_MANY_CONNECTS) {
        const wait = Math.round(LIMITED_RETRY_MS * (1 + 0.3 * Math.random()));
        this.options.onStatus('limited');
        this.reconnectTimer = setTimeout(() => this.connect(), wait);
        this.attempt += 1;
        const why = event.code === CLOSE_TOO_MANY_SOCKETS ? 'too-many-sockets' : 'rate-limited';
        this.options.onLimited?.(why, wait);
        return;
      }
      this.options.onStatus('reconnecting');
      this.reconnectTimer = setTimeout(() => this.connect(), backoffMs(this.attempt));
      this.attempt += 1;
    };
  }

  /** The person may not be here any more: stop for good (no reconnect) and tell the owner. */
  private end(why: SocketEnd): void {
    if (this.stopped) return;
    this.stop();
    if (this.options.onEnded) this.options.onEnded(why);
    else this.options.onUnauthorized();
  }

  /** The server is closing this socket because its token expired: open a new one now. */
  private renew(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.reconnectTimer);
    const old = this.socket;
    this.socket = null;
    if (old) {
      old.onclose = null;
      old.onmessage = null;
      old.close(1000);
    }
    this.connect();
  }

  private send(payload: unknown): void {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(payload));
    }
  }
}
