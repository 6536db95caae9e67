// The device check on Home: which of camera and microphone open, and what Join may offer.
// Pure apart from the injected getUserMedia, so every outcome is tested without a browser.

import { classifyFailure, constraintsFor, type DeviceChoice, type DeviceFailure } from './devices';

export type Gum = (constraints: MediaStreamConstraints) => Promise<MediaStream>;

export interface CheckResult {
  stream: MediaStream | null;
  /** Why the camera did not open (null: it did, or audio only was chosen). */
  camera: DeviceFailure | null;
  microphone: DeviceFailure | null;
}

/** What Home offers after the check. */
export type Readiness = 'unchecked' | 'ready' | 'audio-only' | 'no-microphone';

async function attempt(gum: Gum, c: MediaStreamConstraints): Promise<MediaStream | DeviceFailure> {
  try {
    return await gum(c);
  } catch (error) {
    return classifyFailure(error);
  }
}

const failed = (v: MediaStream | DeviceFailure): v is DeviceFailure => typeof v === 'string';

/**
 * Asks for camera and microphone together (one permission prompt), then each alone to learn
 * which one is the problem. A remembered device that is gone falls back to the default.
 */
export async function checkDevices(gum: Gum, choice: DeviceChoice): Promise<CheckResult> {
  const both = constraintsFor(choice);
  let got = await attempt(gum, both);
  if (failed(got) && got === 'no-device' && (choice.cameraId || choice.micId)) {
    got = await attempt(gum, constraintsFor({ ...choice, cameraId: null, micId: null }));
  }
  if (!failed(got)) return { stream: got, camera: null, microphone: null };
  const whole = got;
  if (whole === 'denied' || whole === 'unsupported') {
    // One refusal covers both: asking again would only show the same answer.
    return { stream: null, camera: choice.audioOnly ? null : whole, microphone: whole };
  }
  const audio = await attempt(gum, { audio: both.audio });
  if (!failed(audio))
    return { stream: audio, camera: choice.audioOnly ? null : whole, microphone: null };
  if (choice.audioOnly) return { stream: null, camera: null, microphone: audio };
  const video = await attempt(gum, { video: both.video });
  if (!failed(video)) return { stream: video, camera: null, microphone: audio };
  return { stream: null, camera: video, microphone: audio };
}

export function readinessOf(result: CheckResult | null): Readiness {
  if (!result) return 'unchecked';
  if (result.microphone) return 'no-microphone';
  return result.camera ? 'audio-only' : 'ready';
}
