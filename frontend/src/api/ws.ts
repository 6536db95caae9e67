// The WebSocket that carries pushed hints. Reconnects with backoff, pings every 25 s, and tells
// its owner on every (re)connect so that it re-reads `GET /v1/me`, the truth. A socket lives
// no longer than the token it opened with: told `auth.expired` (or closed with 4001), it
// reconnects at once with the current token, which the auth session refreshed ahead of time.

import { parsePush, type PushMessage } from './types';

export const PING_INTERVAL_MS = 25_000;
const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_TOKEN_EXPIRED = 4001;

export type SocketStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

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
      this.options.onStatus('reconnecting');
      this.reconnectTimer = setTimeout(() => this.connect(), backoffMs(this.attempt));
      this.attempt += 1;
    };
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
