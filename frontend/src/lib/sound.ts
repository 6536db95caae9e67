// A short two-tone chime made with WebAudio: no sound file to download.

type SinkContext = AudioContext & { setSinkId?: (id: string) => Promise<void> };

let shared: SinkContext | null = null;

function context(): SinkContext | null {
  if (typeof AudioContext === 'undefined') return null;
  shared ??= new AudioContext() as SinkContext;
  return shared;
}

/** Plays ~0.4 s of chime; `sinkId` picks the speaker where the browser allows it. */
export async function chime(sinkId?: string | null): Promise<void> {
  const ctx = context();
  if (!ctx) return;
  try {
    if (sinkId && ctx.setSinkId) await ctx.setSinkId(sinkId);
    if (ctx.state === 'suspended') await ctx.resume();
  } catch {
    // A background tab may not be allowed to start audio; the title and notification remain.
  }
  const start = ctx.currentTime;
  for (const [i, freq] of [880, 1320].entries()) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = freq;
    const t = start + i * 0.18;
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.2, t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.2);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t);
    osc.stop(t + 0.22);
  }
}
