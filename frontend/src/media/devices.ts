// Opening the camera and microphone (the devices chosen on Home), degrading to audio-only or
// receive-only, and saying in plain words why a device could not be opened.

import type { MessageKey } from '../i18n/translator';

/** What went wrong opening the devices for a call (said in words by the call screen). */
export type DeviceProblem = 'audio-only' | 'none' | 'unsupported';

export interface LocalMedia {
  stream: MediaStream | null;
  problem: DeviceProblem | null;
}

export interface DeviceChoice {
  cameraId: string | null;
  micId: string | null;
  speakerId: string | null;
  /** The person chose to join with audio only (no camera asked for). */
  audioOnly: boolean;
}

export type DeviceFailure = 'denied' | 'no-device' | 'in-use' | 'unsupported' | 'other';

const STORAGE_KEY = 'parley.devices';
const VIDEO: MediaTrackConstraints = { width: { ideal: 640 }, height: { ideal: 480 } };
const NO_CHOICE: DeviceChoice = { cameraId: null, micId: null, speakerId: null, audioOnly: false };

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** The remembered choice (localStorage); anything unreadable counts as "no choice". */
export function loadChoice(storage: Pick<Storage, 'getItem'> | null = safeLocal()): DeviceChoice {
  try {
    const raw = JSON.parse(storage?.getItem(STORAGE_KEY) ?? 'null') as Record<string, unknown>;
    if (!raw || typeof raw !== 'object') return { ...NO_CHOICE };
    return {
      cameraId: str(raw.cameraId),
      micId: str(raw.micId),
      speakerId: str(raw.speakerId),
      audioOnly: raw.audioOnly === true,
    };
  } catch {
    return { ...NO_CHOICE };
  }
}

export function saveChoice(
  choice: DeviceChoice,
  storage: Pick<Storage, 'setItem'> | null = safeLocal(),
): void {
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify(choice));
  } catch {
    // Private mode or a full quota: the choice simply is not remembered.
  }
}

function safeLocal(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

/** What getUserMedia's error means for the person. */
export function classifyFailure(error: unknown): DeviceFailure {
  const name = (error as { name?: unknown } | null)?.name;
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
    case 'PermissionDeniedError':
      return 'denied';
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return 'no-device';
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return 'in-use';
    case 'TypeError':
      return 'unsupported';
    default:
      return 'other';
  }
}

const HELP: Record<DeviceFailure, { camera: MessageKey; microphone: MessageKey }> = {
  denied: { camera: 'device.deniedCamera', microphone: 'device.deniedMicrophone' },
  'no-device': { camera: 'device.missingCamera', microphone: 'device.missingMicrophone' },
  'in-use': { camera: 'device.busyCamera', microphone: 'device.busyMicrophone' },
  unsupported: { camera: 'device.unsupported', microphone: 'device.unsupported' },
  other: { camera: 'device.otherCamera', microphone: 'device.otherMicrophone' },
};

/** What to do about a device that did not open (the sentence's catalogue key). */
export function failureHelp(failure: DeviceFailure, what: 'camera' | 'microphone'): MessageKey {
  return HELP[failure][what];
}

/** A call's device problem in words. */
export const DEVICE_PROBLEMS = {
  'audio-only': 'device.audioOnlyFallback',
  none: 'device.noneOpened',
  unsupported: 'device.unsupported',
} as const satisfies Record<DeviceProblem, MessageKey>;

/** Constraints for a chosen device: `exact` when one was chosen, so the wrong one is never used. */
export function constraintsFor(choice: DeviceChoice, exact = true): MediaStreamConstraints {
  const pin = (id: string | null) => (id ? { deviceId: exact ? { exact: id } : id } : {});
  return {
    audio: choice.micId ? pin(choice.micId) : true,
    video: choice.audioOnly ? false : { ...VIDEO, ...pin(choice.cameraId) },
  };
}

/** Opens what the person chose on Home; a device that went away falls back to the default. */
export async function openCameraAndMicrophone(
  choice: DeviceChoice = loadChoice(),
): Promise<LocalMedia> {
  if (!navigator.mediaDevices?.getUserMedia) {
    return { stream: null, problem: 'unsupported' };
  }
  const gum = (c: MediaStreamConstraints) => navigator.mediaDevices.getUserMedia(c);
  const attempts: MediaStreamConstraints[] = [
    constraintsFor(choice),
    constraintsFor(choice, false),
    constraintsFor({ ...NO_CHOICE, audioOnly: choice.audioOnly }),
  ];
  for (const c of attempts) {
    try {
      return { stream: await gum(c), problem: null };
    } catch {
      // try the next, looser constraints
    }
  }
  if (!choice.audioOnly) {
    try {
      const stream = await gum({ audio: true });
      return { stream, problem: 'audio-only' };
    } catch {
      // fall through
    }
  }
  return {
    stream: null,
    problem: 'none',
  };
}

/** The loudness of one analyser frame (time-domain bytes around 128) as 0..1. */
export function levelOf(samples: ArrayLike<number>): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = ((samples[i] ?? 128) - 128) / 128;
    sum += v * v;
  }
  // RMS of speech sits around 0.05-0.3: stretch it so a normal voice fills most of the meter.
  return Math.min(1, Math.sqrt(sum / samples.length) * 4);
}

/** Keeps a remembered device only if it still exists; otherwise the first one (or none). */
export function pickDevice(
  devices: Array<Pick<MediaDeviceInfo, 'deviceId' | 'kind'>>,
  kind: MediaDeviceKind,
  wanted: string | null,
): string | null {
  const ofKind = devices.filter((d) => d.kind === kind && d.deviceId);
  if (wanted && ofKind.some((d) => d.deviceId === wanted)) return wanted;
  return ofKind[0]?.deviceId ?? null;
}
