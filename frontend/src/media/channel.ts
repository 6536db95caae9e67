// What travels on the call's data channel: chat lines and each side's mic/camera state.
// A plain string (an older page) is a chat line, so both sides always understand each other.

export interface PartnerState {
  mic: boolean;
  cam: boolean;
}

export type ChannelMessage = { kind: 'chat'; text: string } | ({ kind: 'state' } & PartnerState);

export function encode(message: ChannelMessage): string {
  return JSON.stringify(message);
}

export function decode(raw: unknown): ChannelMessage | null {
  if (typeof raw !== 'string') return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { kind: 'chat', text: raw };
  }
  if (typeof value !== 'object' || value === null) return { kind: 'chat', text: raw };
  const v = value as Record<string, unknown>;
  if (v.kind === 'chat' && typeof v.text === 'string') return { kind: 'chat', text: v.text };
  if (v.kind === 'state' && typeof v.mic === 'boolean' && typeof v.cam === 'boolean') {
    return { kind: 'state', mic: v.mic, cam: v.cam };
  }
  return null;
}
