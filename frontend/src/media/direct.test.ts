import { describe, expect, it } from 'vitest';
import { sdpOrigin } from './signalling';

const offer = (id: string, version: string) =>
  ['v=0', `o=- ${id} ${version} IN IP4 127.0.0.1`, 's=-', 't=0 0'].join('\r\n');

describe('sdpOrigin (telling a re-sent offer from a new one)', () => {
  it('reads the session id and version of an offer', () => {
    expect(sdpOrigin(offer('4611731400430051336', '2'))).toEqual({
      id: '4611731400430051336',
      version: '2',
    });
  });

  it('sees a re-sent offer (more candidates gathered) as the same offer', () => {
    const first = offer('77', '2');
    const resent = first + '\r\na=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host';
    expect(sdpOrigin(resent)).toEqual(sdpOrigin(first));
  });

  it('gives null for something that is not SDP', () => {
    expect(sdpOrigin(undefined)).toBeNull();
    expect(sdpOrigin('hello')).toBeNull();
  });
});
