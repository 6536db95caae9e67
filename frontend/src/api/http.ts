// The HTTP client: bearer token, 10 s timeout, problem+json errors, server clock estimate.

import { ClockSync } from '../lib/clock';

export const REQUEST_TIMEOUT_MS = 10_000;

export interface FieldError {
  field: string;
  message: string;
}

/** Every failed request becomes an ApiError with a stable `code` (see problems.ts). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string | undefined;
  readonly errors: FieldError[];
  readonly retryAfterS: number | undefined;

  constructor(init: {
    status: number;
    code: string;
    title?: string | undefined;
    detail?: string | undefined;
    errors?: FieldError[] | undefined;
    retryAfterS?: number | undefined;
  }) {
    super(init.title ?? init.code);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.errors = init.errors ?? [];
    this.retryAfterS = init.retryAfterS;
  }
}

/** Problem codes for the failures that never got an answer from the server. */
export const CLIENT_CODES = {
  timeout: 'timeout',
  network: 'network',
  badResponse: 'bad-response',
} as const;

function codeFromStatus(status: number): string {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 413) return 'body-too-large';
  if (status === 415) return 'unsupported-media-type';
  if (status === 429) return 'rate-limited';
  if (status >= 500) return 'server-error';
  return 'http-' + status;
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.round((at - Date.now()) / 1000));
}

/** Turns an error response (problem+json or not) into an ApiError. */
export async function problemFromResponse(response: Response): Promise<ApiError> {
  const retryAfterS = parseRetryAfter(response.headers.get('Retry-After'));
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = await response.json();
    if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
  } catch {
    // not JSON: fall back to the status code
  }
  const typeUri = typeof body.type === 'string' ? body.type : '';
  const fromType = typeUri.includes('/problems/') ? typeUri.split('/problems/')[1] : undefined;
  const code =
    (typeof body.code === 'string' && body.code) || fromType || codeFromStatus(response.status);
  return new ApiError({
    status: response.status,
    code,
    title: typeof body.title === 'string' ? body.title : undefined,
    detail: typeof body.detail === 'string' ? body.detail : undefined,
    errors: Array.isArray(body.errors) ? (body.errors as FieldError[]) : [],
    retryAfterS,
  });
}

export interface RequestOptions {
  body?: unknown;
  timeoutMs?: number;
  /** Keep the request alive while the page unloads (used for the last `bye` signal). */
  keepalive?: boolean;
  /** Send without the bearer token (only `/v1/config`). */
  anonymous?: boolean;
}

export interface HttpClientOptions {
  baseUrl?: string;
  getToken: () => string | null;
  onUnauthorized: () => void;
  clock?: ClockSync;
  fetchImpl?: typeof fetch;
}

export class HttpClient {
  readonly clock: ClockSync;
  private readonly baseUrl: string;
  private readonly getToken: () => string | null;
  private readonly onUnauthorized: () => void;
  private readonly fetchImpl: typeof fetch;

  constructor(options: HttpClientOptions) {
    this.baseUrl = options.baseUrl ?? '';
    this.getToken = options.getToken;
    this.onUnauthorized = options.onUnauthorized;
    this.clock = options.clock ?? new ClockSync();
    this.fetchImpl = options.fetchImpl ?? ((input, init) => fetch(input, init));
  }

  /** One request; the timeout covers the whole exchange, body included. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (!options.anonymous) {
      const token = this.getToken();
      if (token) headers.Authorization = `Bearer ${token}`;
    }
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? REQUEST_TIMEOUT_MS);
    try {
      return await this.send<T>(method, path, headers, options, controller.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  private async send<T>(
    method: string,
    path: string,
    headers: Record<string, string>,
    options: RequestOptions,
    signal: AbortSignal,
  ): Promise<T> {
    const sentAt = Date.now();
    let status = 0;
    let text: string;
    try {
      const response = await this.fetchImpl(this.baseUrl + path, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal,
        keepalive: options.keepalive ?? false,
      });
      status = response.status;
      this.clock.observe(response.headers.get('Date'), sentAt, Date.now());
      if (!response.ok) {
        const problem = await problemFromResponse(response);
        if (problem.status === 401 && !options.anonymous) this.onUnauthorized();
        throw problem;
      }
      text = await response.text();
    } catch (error) {
      if (error instanceof ApiError) throw error;
      const timedOut = signal.aborted;
      throw new ApiError({
        status: 0,
        code: timedOut ? CLIENT_CODES.timeout : CLIENT_CODES.network,
        title: timedOut ? 'The request timed out' : String(error),
      });
    }
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError({ status, code: CLIENT_CODES.badResponse });
    }
  }
}
