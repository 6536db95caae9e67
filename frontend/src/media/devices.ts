// Opening the camera and microphone, degrading to audio-only or receive-only.

export interface LocalMedia {
  stream: MediaStream | null;
  problem: string | null;
}

const VIDEO: MediaTrackConstraints = { width: { ideal: 640 }, height: { ideal: 480 } };

export async function openCameraAndMicrophone(): Promise<LocalMedia> {
  if (!navigator.mediaDevices?.getUserMedia) {
    return { stream: null, problem: 'This browser cannot use a camera or microphone here.' };
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: VIDEO });
    return { stream, problem: null };
  } catch {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      return { stream, problem: 'Your camera could not be opened; you are on audio only.' };
    } catch {
      return {
        stream: null,
        problem:
          'Your camera and microphone could not be opened. Allow them in the browser to be seen and heard.',
      };
    }
  }
}
