// Signing in with Cognito: the demo password flow (InitiateAuth JSON API) and the hosted UI
// with Google (authorization code + PKCE). Tokens live in sessionStorage.

import type { MessageKey } from '../i18n/translator';
import type { AppConfig } from './types';

const TOKENS_KEY = 'parley.tokens';
const PKCE_KEY = 'parley.pkce';
const TIMEOUT_MS = 10_000;

export interface TokenSet {
  idToken: string;
  refreshToken: string | null;
  /** Local epoch milliseconds when the ID token expires. */
  expiresAt: number;
}

/** Signing in failed; `key` is the sentence for the person (src/i18n/messages/). */
export class SignInError extends Error {
  readonly key: MessageKey;
  constructor(key: MessageKey) {
    super(key);
    this.name = 'SignInError';
    this.key = key;
  }
}

// ---- storage -------------------------------------------------------------------------------

export function loadTokens(storage: Storage = sessionStorage): TokenSet | null {
  try {
    const raw = storage.getItem(TOKENS_KEY);
    if (!raw) return null;
    const tokens = JSON.parse(raw) as TokenSet;
    return typeof tokens.idToken === 'string' ? tokens : null;
  } catch {
    return null;
  }
}

export function saveTokens(tokens: TokenSet | null, storage: Storage = sessionStorage): void {
  if (tokens) storage.setItem(TOKENS_KEY, JSON.stringify(tokens));
  else storage.removeItem(TOKENS_KEY);
}

/** The claims of a JWT, unverified (the gateway verifies; the browser only reads). */
export function jwtClaims(token: string): Record<string, unknown> {
  try {
    const part = token.split('.')[1] ?? '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    return JSON.parse(json) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** Whether the ID token says its holder is one of Parley's operators (`cognito:groups`).
 * Only decides what the page offers; the gateway checks the signed token on every call. */
export function isOperator(token: string | null | undefined, group = 'operators'): boolean {
  if (!token) return false;
  const groups = jwtClaims(token)['cognito:groups'];
  return Array.isArray(groups) && groups.includes(group);
}

// ---- small fetch helper --------------------------------------------------------------------

async function postWithTimeout(url: string, init: RequestInit): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  try {
    return await fetch(url, { ...init, signal: controller.signal });
  } catch {
    throw new SignInError(controller.signal.aborted ? 'signIn.timeout' : 'signIn.unreachable');
  } finally {
    clearTimeout(timer);
  }
}

// ---- local: Cognito's InitiateAuth JSON API -------------------------------------------------

interface AuthenticationResult {
  IdToken: string;
  RefreshToken?: string;
  ExpiresIn: number;
}

const COGNITO_ERRORS: Record<string, MessageKey> = {
  NotAuthorizedException: 'signIn.mismatch',
  UserNotFoundException: 'signIn.mismatch',
  UserNotConfirmedException: 'signIn.unconfirmed',
  PasswordResetRequiredException: 'signIn.newPassword',
  TooManyRequestsException: 'signIn.tooMany',
};

async function initiateAuth(
  endpoint: string,
  clientId: string,
  authFlow: 'USER_PASSWORD_AUTH' | 'REFRESH_TOKEN_AUTH',
  parameters: Record<string, string>,
): Promise<AuthenticationResult> {
  const response = await postWithTimeout(endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': 'AWSCognitoIdentityProviderService.InitiateAuth',
    },
    body: JSON.stringify({ AuthFlow: authFlow, ClientId: clientId, AuthParameters: parameters }),
  });
  const body = (await response.json().catch(() => ({}))) as {
    AuthenticationResult?: AuthenticationResult;
    ChallengeName?: string;
    __type?: string;
  };
  if (!response.ok) {
    const type = (body.__type ?? '').split('#').pop() ?? '';
    throw new SignInError(COGNITO_ERRORS[type] ?? 'signIn.failed');
  }
  if (!body.AuthenticationResult) {
    throw new SignInError(
      body.ChallengeName === 'NEW_PASSWORD_REQUIRED' ? 'signIn.newPassword' : 'signIn.failed',
    );
  }
  return body.AuthenticationResult;
}

function toTokens(result: AuthenticationResult, previousRefresh: string | null): TokenSet {
  return {
    idToken: result.IdToken,
    refreshToken: result.RefreshToken ?? previousRefresh,
    expiresAt: Date.now() + result.ExpiresIn * 1000,
  };
}

export async function passwordSignIn(
  config: AppConfig['auth'],
  username: string,
  password: string,
): Promise<TokenSet> {
  if (!config.endpoint) throw new SignInError('signIn.notConfigured');
  const result = await initiateAuth(config.endpoint, config.clientId, 'USER_PASSWORD_AUTH', {
    USERNAME: username,
    PASSWORD: password,
  });
  return toTokens(result, null);
}

// ---- hosted UI: authorization code + PKCE --------------------------------------------------

function hostedBase(domain: string): string {
  const trimmed = domain.replace(/\/+$/, '');
  return /^https?:\/\//.test(trimmed) ? trimmed : `https://${trimmed}`;
}

function redirectUri(config: AppConfig['auth']): string {
  return config.redirectUri ?? `${window.location.origin}/`;
}

/**
 * Where signing out goes: the hosted UI's logout endpoint ends the Cognito (and so Google)
 * session too, so another account can sign in on this browser. Null in local mode, where
 * forgetting the tokens is all there is. `logout_uri` must be one of the app client's
 * sign-out URLs.
 */
export function hostedSignOutUrl(config: AppConfig['auth'], origin: string): string | null {
  if (config.mode !== 'hosted' || !config.hostedUiDomain) return null;
  const params = new URLSearchParams({
    client_id: config.clientId,
    logout_uri: config.redirectUri ?? `${origin}/`,
  });
  return `${hostedBase(config.hostedUiDomain)}/logout?${params}`;
}

function base64Url(bytes: Uint8Array): string {
  let binary = '';
  bytes.forEach((b) => (binary += String.fromCharCode(b)));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export async function pkceChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

/** Sends the browser to the hosted UI (Google). Returns only if it cannot. */
export async function startHostedSignIn(config: AppConfig['auth']): Promise<void> {
  if (!config.hostedUiDomain) throw new SignInError('signIn.notConfigured');
  const verifier = base64Url(crypto.getRandomValues(new Uint8Array(48)));
  const state = base64Url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  const params = new URLSearchParams({
    identity_provider: 'Google',
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: redirectUri(config),
    code_challenge: await pkceChallenge(verifier),
    code_challenge_method: 'S256',
    scope: 'openid email profile',
    state,
  });
  window.location.assign(`${hostedBase(config.hostedUiDomain)}/oauth2/authorize?${params}`);
}

async function tokenEndpoint(
  config: AppConfig['auth'],
  form: Record<string, string>,
): Promise<{ id_token: string; refresh_token?: string; expires_in: number }> {
  if (!config.hostedUiDomain) throw new SignInError('signIn.notConfigured');
  const response = await postWithTimeout(`${hostedBase(config.hostedUiDomain)}/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: config.clientId, ...form }).toString(),
  });
  if (!response.ok) throw new SignInError('signIn.googleFailed');
  return (await response.json()) as {
    id_token: string;
    refresh_token?: string;
    expires_in: number;
  };
}

/**
 * If the page was opened by the hosted UI's redirect (`?code=…&state=…`), trade the code for
 * tokens and clean the address bar. Returns null when this is not such a redirect.
 */
export async function completeHostedSignIn(config: AppConfig['auth']): Promise<TokenSet | null> {
  const url = new URL(window.location.href);
  const code = url.searchParams.get('code');
  const error = url.searchParams.get('error_description') ?? url.searchParams.get('error');
  if (!code && !error) return null;
  window.history.replaceState(null, '', url.pathname);
  if (error) throw new SignInError('signIn.googleRefused');
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? '{}') as {
    verifier?: string;
    state?: string;
  };
  sessionStorage.removeItem(PKCE_KEY);
  if (!saved.verifier || saved.state !== url.searchParams.get('state')) {
    throw new SignInError('signIn.staleLink');
  }
  const answer = await tokenEndpoint(config, {
    grant_type: 'authorization_code',
    code: code ?? '',
    redirect_uri: redirectUri(config),
    code_verifier: saved.verifier,
  });
  return {
    idToken: answer.id_token,
    refreshToken: answer.refresh_token ?? null,
    expiresAt: Date.now() + answer.expires_in * 1000,
  };
}

// ---- refresh -------------------------------------------------------------------------------

export async function refreshTokens(
  config: AppConfig['auth'],
  tokens: TokenSet,
): Promise<TokenSet> {
  if (!tokens.refreshToken) throw new SignInError('signIn.expired');
  if (config.mode === 'local') {
    if (!config.endpoint) throw new SignInError('signIn.notConfigured');
    const result = await initiateAuth(config.endpoint, config.clientId, 'REFRESH_TOKEN_AUTH', {
      REFRESH_TOKEN: tokens.refreshToken,
    });
    return toTokens(result, tokens.refreshToken);
  }
  const answer = await tokenEndpoint(config, {
    grant_type: 'refresh_token',
    refresh_token: tokens.refreshToken,
  });
  return {
    idToken: answer.id_token,
    refreshToken: answer.refresh_token ?? tokens.refreshToken,
    expiresAt: Date.now() + answer.expires_in * 1000,
  };
}

/** How long to wait before refreshing: a minute before expiry, at least 5 s from now. */
export function refreshDelayMs(tokens: TokenSet, nowMs: number = Date.now()): number {
  return Math.max(5_000, tokens.expiresAt - nowMs - 60_000);
}
