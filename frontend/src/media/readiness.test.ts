import { describe, expect, it } from 'vitest';
import {
  classifyFailure,
  constraintsFor,
  levelOf,
  loadChoice,
  pickDevice,
  saveChoice,
  type DeviceChoice,
} from './devices';
import { checkDevices, readinessOf, type Gum } from './readiness';

const NONE: DeviceChoice = { cameraId: null, micId: null, speakerId: null, audioOnly: false };
const fakeStream = (label: string) => ({ label }) as unknown as MediaStream;
const err = (name: string) => Object.assign(new Error(name), { name });

/** A getUserMedia that opens audio and/or video as told, recording what it was asked. */
function gum(opts: { audio: string | null; video: string | null; gone?: string[] }) {
  const asked: MediaStreamConstraints[] = [];
  const fn: Gum = async (c) => {
    asked.push(c);
    const wantsA = !!c.audio;
    const wantsV = !!c.video;
    const ids = JSON.stringify(c);
    if (opts.gone?.some((id) => ids.includes(id))) throw err('OverconstrainedError');
    if (wantsA && opts.audio) throw err(opts.audio);
    if (wantsV && opts.video) throw err(opts.video);
    return fakeStream(`${wantsA ? 'a' : ''}${wantsV ? 'v' : ''}`);
  };
  return { fn, asked };
}

describe('checkDevices', () => {
  it('is ready when camera and microphone open, with one request', async () => {
    const g = gum({ audio: null, video: null });
    const result = await checkDevices(g.fn, NONE);
    expect(readinessOf(result)).toBe('ready');
    expect(g.asked).toHaveLength(1);
  });

  it('offers audio only when the camera is missing but the microphone works', async () => {
    const g = gum({ audio: null, video: 'NotFoundError' });
    const result = await checkDevices(g.fn, NONE);
    expect(result.camera).toBe('no-device');
    expect(result.microphone).toBeNull();
    expect(readinessOf(result)).toBe('audio-only');
  });

  it('a refusal is one answer for both: no second prompt', async () => {
    const g = gum({ audio: 'NotAllowedError', video: 'NotAllowedError' });
    const result = await checkDevices(g.fn, NONE);
    expect(result).toMatchObject({ camera: 'denied', microphone: 'denied', stream: null });
    expect(readinessOf(result)).toBe('no-microphone');
    expect(g.asked).toHaveLength(1);
  });

  it('finds the microphone to be the problem when only video opens', async () => {
    const g = gum({ audio: 'NotReadableError', video: null });
    const result = await checkDevices(g.fn, NONE);
    expect(result.microphone).toBe('in-use');
    expect(result.camera).toBeNull();
    expect(readinessOf(result)).toBe('no-microphone');
  });

  it('falls back to the default devices when the remembered ones are gone', async () => {
    const g = gum({ audio: null, video: null, gone: ['old-cam'] });
    const result = await checkDevices(g.fn, { ...NONE, cameraId: 'old-cam' });
    expect(readinessOf(result)).toBe('ready');
    expect(g.asked).toHaveLength(2);
  });

  it('never asks for the camera when audio only was chosen', async () => {
    const g = gum({ audio: null, video: 'NotAllowedError' });
    const result = await checkDevices(g.fn, { ...NONE, audioOnly: true });
    expect(readinessOf(result)).toBe('ready');
    expect(g.asked.every((c) => !c.video)).toBe(true);
  });

  it('is unchecked before any check', () => {
    expect(readinessOf(null)).toBe('unchecked');
  });
});

describe('device helpers', () => {
  it('classifies getUserMedia errors', () => {
    expect(classifyFailure(err('NotAllowedError'))).toBe('denied');
    expect(classifyFailure(err('NotFoundError'))).toBe('no-device');
    expect(classifyFailure(err('NotReadableError'))).toBe('in-use');
    expect(classifyFailure(new Error('x'))).toBe('other');
    expect(classifyFailure(null)).toBe('other');
  });

  it('pins a chosen device exactly', () => {
    const c = constraintsFor({ ...NONE, cameraId: 'c1', micId: 'm1' });
    expect(c.audio).toEqual({ deviceId: { exact: 'm1' } });
    expect(c.video).toMatchObject({ deviceId: { exact: 'c1' } });
    expect(constraintsFor(NONE).audio).toBe(true);
    expect(constraintsFor({ ...NONE, audioOnly: true }).video).toBe(false);
  });

  it('remembers the choice and survives garbage in storage', () => {
    const store = new Map<string, string>();
    const storage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
    };
    saveChoice({ cameraId: 'c', micId: 'm', speakerId: 's', audioOnly: true }, storage);
    expect(loadChoice(storage)).toEqual({
      cameraId: 'c',
      micId: 'm',
      speakerId: 's',
      audioOnly: true,
    });
    store.set('parley.devices', '{not json');
    expect(loadChoice(storage)).toEqual(NONE);
    store.set('parley.devices', '{"cameraId": 5}');
    expect(loadChoice(storage).cameraId).toBeNull();
  });

  it('keeps a remembered device only while it exists', () => {
    const list = [
      { deviceId: 'a', kind: 'videoinput' as const },
      { deviceId: 'b', kind: 'videoinput' as const },
      { deviceId: 'm', kind: 'audioinput' as const },
    ];
    expect(pickDevice(list, 'videoinput', 'b')).toBe('b');
    expect(pickDevice(list, 'videoinput', 'gone')).toBe('a');
    expect(pickDevice(list, 'audiooutput', 'x')).toBeNull();
  });

  it('measures silence as 0 and a loud signal near 1', () => {
    expect(levelOf(new Uint8Array(64).fill(128))).toBe(0);
    const loud = Uint8Array.from({ length: 64 }, (_, i) => (i % 2 ? 228 : 28));
    expect(levelOf(loud)).toBe(1);
    expect(levelOf([])).toBe(0);
  });
});
