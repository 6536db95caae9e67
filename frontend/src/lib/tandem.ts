// The tandem custom: when each of the two learns a language the other speaks, they spend half
// the session in each. Pure: the call screen passes in both people's languages, the topic's
// language (the one the session started in) and the server's start and end.

export interface Languages {
  readonly speaks?: readonly string[];
  readonly learns?: readonly string[];
}

/** How long the half-time cue stays on screen. */
export const HALF_TIME_CUE_MS = 10_000;

function overlap(learner: Languages, speaker: Languages): string[] {
  const spoken = speaker.speaks ?? [];
  return (learner.learns ?? []).filter((code) => spoken.includes(code));
}

/** True when I learn a language my partner speaks and they learn a different one I speak. */
export function isTandem(me: Languages, partner: Languages): boolean {
  const mine = overlap(me, partner);
  const theirs = overlap(partner, me);
  return mine.some((a) => theirs.some((b) => a !== b));
}

/**
 * The tandem's other language: the one to switch to at half time, given the language the
 * session started in. Both people get the same answer (the rule only looks at the learner's
 * own order on each side, or at plain code order when the topic language is on both sides).
 * Null when the pair is no tandem or the session's language is none of the tandem's.
 */
export function switchTo(
  me: Languages,
  partner: Languages,
  sessionLanguage: string | null | undefined,
): string | null {
  if (!sessionLanguage || !isTandem(me, partner)) return null;
  const mine = overlap(me, partner);
  const theirs = overlap(partner, me);
  const inMine = mine.includes(sessionLanguage);
  const inTheirs = theirs.includes(sessionLanguage);
  let candidates: string[];
  if (inMine && inTheirs) candidates = [...new Set([...mine, ...theirs])].sort();
  else if (inMine) candidates = theirs;
  else if (inTheirs) candidates = mine;
  else return null;
  return candidates.find((code) => code !== sessionLanguage) ?? null;
}

/** The session's half time (server epoch ms), or null for unreadable times. */
export function halfTimeAt(startsAtIso: string, endsAtIso: string): number | null {
  const starts = Date.parse(startsAtIso);
  const ends = Date.parse(endsAtIso);
  if (Number.isNaN(starts) || Number.isNaN(ends) || ends <= starts) return null;
  return starts + (ends - starts) / 2;
}

/** Whether the half-time cue shows now: from half time, for HALF_TIME_CUE_MS. */
export function showsHalfTimeCue(
  startsAtIso: string,
  endsAtIso: string,
  localNowMs: number,
  offsetMs = 0,
): boolean {
  const half = halfTimeAt(startsAtIso, endsAtIso);
  if (half === null) return false;
  const serverNow = localNowMs + offsetMs;
  return serverNow >= half && serverNow < half + HALF_TIME_CUE_MS;
}
