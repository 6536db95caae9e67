import { describe, expect, it } from 'vitest';
import { hostedSignOutUrl } from './cognito';

const hosted = {
  mode: 'hosted' as const,
  region: 'eu-west-1',
  userPoolId: 'eu-west-1_abc',
  clientId: 'client-1',
  hostedUiDomain: 'parley-dev.auth.eu-west-1.amazoncognito.com',
  redirectUri: 'https://parley.example/',
  endpoint: null,
};

describe('hostedSignOutUrl', () => {
  it("points at the hosted UI's logout endpoint with the client and where to come back", () => {
    const url = new URL(hostedSignOutUrl(hosted, 'https://ignored.example') ?? '');
    expect(url.origin).toBe('https://parley-dev.auth.eu-west-1.amazoncognito.com');
    expect(url.pathname).toBe('/logout');
    expect(url.searchParams.get('client_id')).toBe('client-1');
    expect(url.searchParams.get('logout_uri')).toBe('https://parley.example/');
  });

  it('comes back to this origin when no redirect URI is configured', () => {
    const url = new URL(
      hostedSignOutUrl({ ...hosted, redirectUri: null }, 'https://app.example') ?? '',
    );
    expect(url.searchParams.get('logout_uri')).toBe('https://app.example/');
  });

  it('is null in local mode: forgetting the tokens is the whole sign-out', () => {
    expect(hostedSignOutUrl({ ...hosted, mode: 'local' }, 'http://127.0.0.1')).toBeNull();
  });
});
