import { describe, expect, it } from 'vitest';
import type { PresentPerson } from '../api/types';
import { presenceOrder } from './Presence';

const person = (userId: string, available = true, why: PresentPerson['why'] = null) => ({
  userId,
  name: userId,
  speaks: ['en'],
  learns: ['es'],
  available,
  why,
});

describe('who is listed first in Online now', () => {
  it('lists who can take an invite first, partners first among them, then who cannot', () => {
    const people = [
      person('busy-partner', false, 'in_call'),
      person('stranger'),
      person('out-of-time', false, 'no_points'),
      person('partner'),
    ];
    const order = presenceOrder(people, new Set(['partner', 'busy-partner']));
    expect(order.map((p) => p.userId)).toEqual([
      'partner',
      'stranger',
      'busy-partner',
      'out-of-time',
    ]);
  });

  it("keeps the server's order within a group", () => {
    const order = presenceOrder([person('b'), person('a'), person('c')], new Set());
    expect(order.map((p) => p.userId)).toEqual(['b', 'a', 'c']);
  });
});
