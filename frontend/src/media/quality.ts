// A connection quality indicator from WebRTC stats: round-trip time and packet loss.

import type { MessageKey } from '../i18n/translator';

export type Quality = 'good' | 'fair' | 'poor' | 'unknown';

export interface Sample {
  rttMs: number | null;
  /** Cumulative packets received and lost (inbound RTP, all kinds). */
  received: number;
  lost: number;
}

/** Quality over the interval between two samples (cumulative counters, so use the delta). */
export function qualityOf(prev: Sample | null, next: Sample): Quality {
  const received = next.received - (prev?.received ?? 0);
  const lost = Math.max(0, next.lost - (prev?.lost ?? 0));
  const total = received + lost;
  const loss = total > 0 ? lost / total : null;
  if (next.rttMs === null && loss === null) return 'unknown';
  const rtt = next.rttMs ?? 0;
  if (rtt > 600 || (loss ?? 0) > 0.1) return 'poor';
  if (rtt > 250 || (loss ?? 0) > 0.03) return 'fair';
  return 'good';
}

/** Reads one sample out of RTCPeerConnection.getStats(). */
export function sampleOf(stats: RTCStatsReport): Sample {
  let rttMs: number | null = null;
  let received = 0;
  let lost = 0;
  stats.forEach((s: Record<string, unknown>) => {
    if (s.type === 'candidate-pair' && s.nominated && typeof s.currentRoundTripTime === 'number') {
      rttMs = s.currentRoundTripTime * 1000;
    }
    if (s.type === 'inbound-rtp') {
      received += typeof s.packetsReceived === 'number' ? s.packetsReceived : 0;
      lost += typeof s.packetsLost === 'number' ? s.packetsLost : 0;
    }
  });
  return { rttMs, received, lost };
}

/** What the indicator says for each quality (src/i18n/messages/). */
export const QUALITY_WORDS = {
  good: 'quality.good',
  fair: 'quality.fair',
  poor: 'quality.poor',
  unknown: 'quality.unknown',
} as const satisfies Record<Quality, MessageKey>;
