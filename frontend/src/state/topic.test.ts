import { describe, expect, it } from 'vitest';
import type { PushMessage } from '../api/types';
import { SESSION, inCall, me, push, run } from './machine.builders';

const topic = (n: number, sessionId = SESSION.sessionId): PushMessage => ({
  type: 'session.topic',
  sessionId,
  topicId: `tp-${n}`,
  text: `Prompt ${n}`,
  language: 'es',
  band: 'A',
  n,
});

describe('the conversation topic', () => {
  it('shows the pushed prompt on the live session', () => {
    const s = run(inCall(), push(topic(1)));
    expect(s.session?.topic?.text).toBe('Prompt 1');
  });

  it('moves on to a newer prompt but ignores a late older one', () => {
    const s = run(inCall(), push(topic(2)), push(topic(1)));
    expect(s.session?.topic?.n).toBe(2);
  });

  it('ignores a prompt for another session', () => {
    const s = run(inCall(), push(topic(1, 's-other')));
    expect(s.session?.topic).toBeNull();
  });

  it('keeps a newer pushed prompt when /v1/me still carries the older one', () => {
    const older = { topicId: 'tp-1', text: 'Prompt 1', language: 'es', band: 'A' as const, n: 1 };
    const s = run(inCall(), push(topic(2)), {
      type: 'me.loaded',
      me: me({ session: { ...SESSION, limitedBy: null, topic: older } }),
    });
    expect(s.session?.topic?.n).toBe(2);
  });

  it('takes the prompt /v1/me gives when none was pushed', () => {
    const t = { topicId: 'tp-3', text: 'Prompt 3', language: 'es', band: 'B' as const, n: 3 };
    const s = run(inCall(), {
      type: 'me.loaded',
      me: me({ session: { ...SESSION, limitedBy: null, topic: t } }),
    });
    expect(s.session?.topic?.text).toBe('Prompt 3');
  });
});
