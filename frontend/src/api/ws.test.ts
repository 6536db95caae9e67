import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffMs, PING_INTERVAL_MS, PushSocket, socketUrl, type SocketStatus } from './ws';
import type { PushMessage } from './types';
import { parsePush } from './types';

class FakeSocket {
  static OPEN = 1;
  readyState = 0;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

function harness() {
  const sockets: FakeSocket[] = [];
  const messages: PushMessage[] = [];
  const statuses: SocketStatus[] = [];
  const ended: string[] = [];
  const limited: [string, number][] = [];
  let opens = 0;
  let unauthorized = 0;
  const socket = new PushSocket({
    url: () => 'ws://gateway/v1/ws?token=t',
    onMessage: (m) => messages.push(m),
    onOpen: () => (opens += 1),
    onStatus: (s) => statuses.push(s),
    onUnauthorized: () => (unauthorized += 1),
    onEnded: (why) => ended.push(why),
    onLimited: (why, wait) => limited.push([why, wait]),
    createSocket: (url) => {
      const fake = new FakeSocket(url);
      sockets.push(fake);
      return fake as unknown as WebSocket;
    },
  });
  return {
    socket,
    sockets,
    messages,
    statuses,
    ended,
    limited,
    opens: () => opens,
    unauthorized: () => unauthorized,
  };
}

afterEach(() => vi.useRealTimers());
vi.stubGlobal('WebSocket', FakeSocket);

describe('socketUrl', () => {
  it('adds the token to an absolute URL', () => {
    expect(socketUrl('wss://ws.parley.dev/prod', 'abc', 'https://parley.dev/')).toBe(
      'wss://ws.parley.dev/prod?token=abc',
    );
  });

  it('resolves a relative URL against the page and switches to ws', () => {
    expect(socketUrl('/v1/ws', 'a b', 'http://127.0.0.1:8080/home')).toBe(
      'ws://127.0.0.1:8080/v1/ws?token=a+b',
    );
  });
});

describe('backoffMs', () => {
  it('doubles from 1 s and stops growing at 30 s', () => {
    const none = () => 0;
    expect([0, 1, 2, 3, 10].map((n) => backoffMs(n, none))).toEqual([
      1000, 2000, 4000, 8000, 30000,
    ]);
  });

  it('adds at most 30 % jitter', () => {
    expect(backoffMs(0, () => 1)).toBe(1300);
  });
});

describe('PushSocket', () => {
  it('asks for a re-read of /v1/me on every (re)connect', async () => {
    vi.useFakeTimers();
    const h = harness();
    h.socket.start();
    h.sockets[0]?.open();
    expect(h.opens()).toBe(1);
    h.sockets[0]?.drop();
    expect(h.statuses.at(-1)).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(1_300);
    expect(h.sockets).toHaveLength(2);
    h.sockets[1]?.open();
    expect(h.opens()).toBe(2);
    expect(h.statuses.at(-1)).toBe('open');
  });

  it('backs off longer after each failed attempt', async () => {
    vi.useFakeTimers();
    const h = harness();
    h.socket.start();
    h.sockets[0]?.drop();
    await vi.advanceTimersByTimeAsync(1_300);
    h.sockets[1]?.drop();
    await vi.advanceTimersByTimeAsync(1_300);
    expect(h.sockets).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1_300);
    expect(h.sockets).toHaveLength(3);
  });

  it('pings every 45 s while open', async () => {
    vi.useFakeTimers();
    const h = harness();
    h.socket.start();
    h.sockets[0]?.open();
    await vi.advanceTimersByTimeAsync(PING_INTERVAL_MS * 2);
    expect(h.sockets[0]?.sent).toEqual(['{"type":"ping"}', '{"type":"ping"}']);
  });

  it('passes on pushed messages but not pongs or junk', () => {
    const h = harness();
    h.socket.start();
    h.sockets[0]?.open();
    h.sockets[0]?.onmessage?.({ data: '{"type":"pong"}' });
    h.sockets[0]?.onmessage?.({ data: 'not json' });
    h.sockets[0]?.onmessage?.({ data: '{"type":"made.up"}' });
    h.sockets[0]?.onmessage?.({ data: '{"type":"ticket.cancelled","ticketId":"t-1"}' });
    expect(h.messages).toEqual([{ type: 'ticket.cancelled', ticketId: 't-1' }]);
  });

  it('stops and signs out when the server closes with 4401', () => {
    const h = harness();
    h.socket.start();
    h.sockets[0]?.open();
    h.sockets[0]?.drop(4401);
    expect(h.unauthorized()).toBe(1);
    expect(h.statuses.at(-1)).toBe('closed');
  });

  it('reconnects at once, without passing it on, when told its token expired', () => {
    const h = harness();
    h.socket.start();
    h.sockets[0]?.open();
    h.sockets[0]?.onmessage?.({
      data: '{"type":"auth.expired","expiredAt":"2026-11-30T04:00:00Z"}',
    });
    expect(h.sockets).toHaveLength(2);
    expect(h.sockets[0]?.readyState).toBe(3);
    expect(h.messages).toEqual([]);
    h.sockets[1]?.open();
    expect(h.opens()).toBe(2); // the owner re-reads GET /v1/me
    h.sockets[0]?.drop(1006); // the server's close of the old socket changes nothing
    expect(h.sockets).toHaveLength(2);
    expect(h.unauthorized()).toBe(0);
  });

  it('reconnects at once when closed with 4001 (token expired)', () => {
    const h = harness();
    h.socket.start();
    h.sockets[0]?.open();
    h.sockets[0]?.drop(4001);
    expect(h.sockets).toHaveLength(2);
    expect(h.unauthorized()).toBe(0);
  });

  it.each([
    ['the ban is pushed', (f: FakeSocket) => f.onmessage?.({ data: '{"type":"account.banned"}' })],
    ['the socket closes with 4403', (f: FakeSocket) => f.drop(4403)],
  ])('stops for good and tells the owner of a ban when %s', async (_, banned) => {
    vi.useFakeTimers();
    const h = harness();
    h.socket.start();
    h.sockets[0]?.open();
    banned(h.sockets[0] as FakeSocket);
    h.sockets[0]?.drop(4403); // the close that follows the message changes nothing more
    expect(h.ended).toEqual(['banned']);
    expect(h.statuses.at(-1)).toBe('closed');
    expect(h.messages).toEqual([]);
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(h.sockets).toHaveLength(1); // never reconnects
  });

  it('stops and tells the owner when the account was deleted elsewhere', () => {
    const h = harness();
    h.socket.start();
    h.sockets[0]?.open();
    h.sockets[0]?.onmessage?.({ data: '{"type":"account.deleted"}' });
    h.sockets[0]?.drop(4001); // not renewed: the account is gone
    expect(h.ended).toEqual(['deleted']);
    expect(h.sockets).toHaveLength(1);
  });

  it.each([
    [4409, 'too-many-sockets'],
    [4429, 'rate-limited'],
  ])(
    'after a refusal for a limit (%i) says why and waits a minute, not a loop',
    async (code, why) => {
      vi.useFakeTimers();
      const h = harness();
      h.socket.start();
      h.sockets[0]?.drop(code);
      expect(h.statuses.at(-1)).toBe('limited');
      expect(h.limited).toHaveLength(1);
      const [said, wait] = h.limited[0] ?? ['', 0];
      expect(said).toBe(why);
      expect(wait).toBeGreaterThanOrEqual(60_000);
      await vi.advanceTimersByTimeAsync(59_000);
      expect(h.sockets).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(wait - 59_000);
      expect(h.sockets).toHaveLength(2);
      h.sockets[1]?.open();
      expect(h.statuses.at(-1)).toBe('open');
    },
  );

  it('tries a limited connect again at once when asked (the page came back)', () => {
    const h = harness();
    h.socket.start();
    h.sockets[0]?.drop(4409);
    h.socket.reconnectNow();
    expect(h.sockets).toHaveLength(2);
  });

  it('does not reconnect after stop()', async () => {
    vi.useFakeTimers();
    const h = harness();
    h.socket.start();
    h.sockets[0]?.open();
    h.socket.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.sockets).toHaveLength(1);
  });
});

describe('parsePush', () => {
  it('accepts the documented message types only', () => {
    expect(parsePush('{"type":"session.ended","sessionId":"s"}')?.type).toBe('session.ended');
    expect(parsePush('{"type":"session.exploded"}')).toBeNull();
    expect(parsePush('[1,2]')).toBeNull();
  });

  it('passes on the conversation prompt and the messages that end a sign-in', () => {
    for (const type of ['session.topic', 'account.banned', 'account.deleted']) {
      expect(parsePush(JSON.stringify({ type }))?.type).toBe(type);
    }
  });
});
