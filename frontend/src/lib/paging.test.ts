import { describe, expect, it } from 'vitest';
import { appendPage } from './paging';

const bySession = (s: { sessionId: string }) => s.sessionId;

describe('appendPage', () => {
  it('appends the next page in order and drops rows already shown', () => {
    const a = { sessionId: 'a' };
    const b = { sessionId: 'b' };
    const c = { sessionId: 'c' };
    expect(appendPage([a, b], [b, c], bySession)).toEqual([a, b, c]);
    expect(appendPage([], [a], bySession)).toEqual([a]);
  });
});
