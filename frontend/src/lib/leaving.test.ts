import { describe, expect, it, vi } from 'vitest';
import { ParleyApi } from '../api/endpoints';
import { ApiError, HttpClient } from '../api/http';
import { sentenceForError } from '../api/problems';
import { englishTranslator as en } from '../i18n/english';
import { deleteConfirmed, exportFileName, exportText } from './leaving';

function apiWith(fetchImpl: typeof fetch, onUnauthorized = () => {}) {
  return new ParleyApi(new HttpClient({ getToken: () => 'id-token', onUnauthorized, fetchImpl }));
}

describe('leaving', () => {
  it('names the export file by the day it was taken', () => {
    expect(exportFileName('2026-11-30T06:50:00.000Z')).toBe('parley-my-data-2026-11-30.json');
    expect(exportFileName(undefined, new Date('2026-01-02T03:04:05Z'))).toBe(
      'parley-my-data-2026-01-02.json',
    );
  });

  it('saves the export exactly as the server sent it', () => {
    const data = { userId: 'u-1', tables: { 'gateway-profiles': [{ userId: 'u-1' }] } };
    expect(JSON.parse(exportText(data))).toEqual(data);
  });

  it('asks for the export and the deletion on their routes, signed in', async () => {
    const calls: string[] = [];
    const fetchImpl = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
      calls.push(`${init?.method} ${String(url)}`);
      expect((init?.headers as Record<string, string>).Authorization).toBe('Bearer id-token');
      return String(url).endsWith('/export')
        ? new Response('{"userId":"u-1","tables":{}}', { status: 200 })
        : new Response(`{"pseudonym":"anon-${'a'.repeat(64)}"}`, { status: 202 });
    });
    const api = apiWith(fetchImpl);
    expect(await api.exportMe()).toEqual({ userId: 'u-1', tables: {} });
    expect((await api.deleteMe()).pseudonym).toMatch(/^anon-/);
    expect(calls).toEqual(['GET /v1/me/export', 'DELETE /v1/me']);
  });

  it('explains a refusal while the person is busy, and does not sign them out', async () => {
    const onUnauthorized = vi.fn();
    const fetchImpl = vi.fn(
      async () =>
        new Response(JSON.stringify({ status: 409, code: 'account-busy', detail: 'waiting' }), {
          status: 409,
          headers: { 'Content-Type': 'application/problem+json' },
        }),
    );
    let error: unknown;
    try {
      await apiWith(fetchImpl, onUnauthorized).deleteMe();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('account-busy');
    expect(sentenceForError(en, error)).toMatch(/cannot be deleted while you wait/);
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it('enables deleting only once the person typed the word', () => {
    expect(deleteConfirmed('')).toBe(false);
    expect(deleteConfirmed('del')).toBe(false);
    expect(deleteConfirmed(' Delete ')).toBe(true);
  });

  it("takes the word in the person's language, or the English one", () => {
    expect(deleteConfirmed('削除', '削除')).toBe(true);
    expect(deleteConfirmed('delete', 'löschen')).toBe(true);
    expect(deleteConfirmed('Löschen', 'löschen')).toBe(true);
    expect(deleteConfirmed('lösch', 'löschen')).toBe(false);
  });
});
