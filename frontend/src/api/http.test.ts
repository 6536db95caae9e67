import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, HttpClient, REQUEST_TIMEOUT_MS } from './http';

function client(fetchImpl: typeof fetch, onUnauthorized = () => {}) {
  return new HttpClient({ getToken: () => 'id-token', onUnauthorized, fetchImpl });
}

const problem = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/problem+json', ...headers },
  });

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

afterEach(() => vi.useRealTimers());

describe('HttpClient', () => {
  it('sends the bearer token and JSON body, and returns the parsed answer', async () => {
    const fetchImpl = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
      const headers = init?.headers as Record<string, string>;
      expect(headers.Authorization).toBe('Bearer id-token');
      expect(headers['Content-Type']).toBe('application/json');
      expect(init?.body).toBe('{"to":"u-bob"}');
      return new Response('{"inviteId":"i-1"}', { status: 202 });
    });
    const answer = await client(fetchImpl).request('POST', '/v1/invites', {
      body: { to: 'u-bob' },
    });
    expect(answer).toEqual({ inviteId: 'i-1' });
  });

  it('sends no token where none is wanted (/v1/config)', async () => {
    const fetchImpl = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
      expect((init?.headers as Record<string, string>).Authorization).toBeUndefined();
      return new Response('{}');
    });
    await client(fetchImpl).request('GET', '/v1/config', { anonymous: true });
  });

  it('reads the problem code from a problem+json answer', async () => {
    const body = {
      type: 'https://parley.dev/problems/invitee-busy',
      title: 'Busy',
      status: 409,
      code: 'invitee-busy',
    };
    const error = await failure(
      client(async () => problem(409, body)).request('POST', '/v1/invites'),
    );
    expect(error).toMatchObject({ status: 409, code: 'invitee-busy' });
  });

  it('falls back to the problem type URI, then to the HTTP status', async () => {
    const fromType = await failure(
      client(async () => problem(404, { type: 'https://parley.dev/problems/no-ticket' })).request(
        'DELETE',
        '/v1/queue',
      ),
    );
    expect(fromType.code).toBe('no-ticket');
    const fromStatus = await failure(
      client(async () => new Response('<html>oops</html>', { status: 502 })).request(
        'GET',
        '/v1/me',
      ),
    );
    expect(fromStatus.code).toBe('server-error');
  });

  it('keeps field errors and Retry-After', async () => {
    const body = { code: 'validation-failed', errors: [{ field: 'learns', message: 'too many' }] };
    const invalid = await failure(
      client(async () => problem(400, body)).request('PUT', '/v1/me/preferences'),
    );
    expect(invalid.errors).toEqual([{ field: 'learns', message: 'too many' }]);
    const limited = await failure(
      client(async () => problem(429, { code: 'rate-limited' }, { 'Retry-After': '3' })).request(
        'POST',
        '/v1/queue',
      ),
    );
    expect(limited.retryAfterS).toBe(3);
  });

  it('sends the person back to sign-in on 401', async () => {
    const onUnauthorized = vi.fn();
    await failure(
      client(async () => problem(401, { code: 'unauthorized' }), onUnauthorized).request(
        'GET',
        '/v1/me',
      ),
    );
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it('gives up after 10 s with a timeout, never hanging', async () => {
    vi.useFakeTimers();
    const never = (_url: RequestInfo | URL, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () =>
          reject(new DOMException('aborted', 'AbortError')),
        );
      });
    const pending = failure(client(never).request('GET', '/v1/me'));
    await vi.advanceTimersByTimeAsync(REQUEST_TIMEOUT_MS);
    expect((await pending).code).toBe('timeout');
  });

  it('reports a network failure as such', async () => {
    const error = await failure(
      client(async () => {
        throw new TypeError('Failed to fetch');
      }).request('GET', '/v1/me'),
    );
    expect(error.code).toBe('network');
  });

  it('learns the server clock offset from the Date header', async () => {
    const ahead = new Date(Date.now() + 120_000).toUTCString();
    const http = client(async () => new Response('{}', { headers: { Date: ahead } }));
    await http.request('GET', '/v1/me');
    expect(Math.abs(http.clock.offsetMs - 120_000)).toBeLessThan(2_000);
  });
});
