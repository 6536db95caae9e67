// Keeps the signed-in person's tokens, refreshes them a minute before they expire.

import {
  completeHostedSignIn,
  loadTokens,
  refreshDelayMs,
  refreshTokens,
  saveTokens,
  type TokenSet,
} from '../api/cognito';
import type { AppConfig } from '../api/types';

const RETRY_REFRESH_MS = 15_000;

export class AuthSession {
  private tokens: TokenSet | null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private restoring: Promise<boolean> | null = null;
  private readonly config: AppConfig['auth'];
  private readonly onExpired: () => void;

  constructor(config: AppConfig['auth'], onExpired: () => void) {
    this.config = config;
    this.onExpired = onExpired;
    this.tokens = loadTokens();
  }

  get idToken(): string | null {
    return this.tokens?.idToken ?? null;
  }

  /**
   * Finishes a hosted-UI redirect if there is one, then makes sure the stored tokens are
   * usable (refreshing them if needed). Resolves to whether someone is signed in.
   */
  restore(): Promise<boolean> {
    // Once per page: a hosted-UI code can be traded for tokens only once.
    this.restoring ??= this.doRestore();
    return this.restoring;
  }

  private async doRestore(): Promise<boolean> {
    if (this.config.mode === 'hosted') {
      const fromRedirect = await completeHostedSignIn(this.config);
      if (fromRedirect) this.set(fromRedirect);
    }
    if (!this.tokens) return false;
    if (this.tokens.expiresAt - Date.now() > 30_000) {
      this.schedule();
      return true;
    }
    return this.refresh();
  }

  set(tokens: TokenSet | null): void {
    this.tokens = tokens;
    saveTokens(tokens);
    this.schedule();
  }

  clear(): void {
    clearTimeout(this.timer);
    this.tokens = null;
    saveTokens(null);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.tokens)
      this.timer = setTimeout(() => void this.refresh(), refreshDelayMs(this.tokens));
  }

  private async refresh(): Promise<boolean> {
    const current = this.tokens;
    if (!current) return false;
    try {
      this.set(await refreshTokens(this.config, current));
      return true;
    } catch {
      if (current.expiresAt - Date.now() > 5_000) {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.refresh(), RETRY_REFRESH_MS);
        return true;
      }
      this.clear();
      this.onExpired();
      return false;
    }
  }
}
