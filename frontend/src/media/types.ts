// What a page needs from a running call, whichever media mode carries it.

import type { PartnerState } from './channel';
import type { DeviceProblem } from './devices';
import type { Quality } from './quality';

export type CallStatus =
  'starting' | 'connecting' | 'connected' | 'reconnecting' | 'partner-left' | 'failed' | 'closed';

export interface CallEvents {
  onStatus: (status: CallStatus) => void;
  onLocalStream: (stream: MediaStream | null) => void;
  onRemoteStream: (stream: MediaStream | null) => void;
  onChat: (text: string) => void;
  /** Camera or microphone could not be opened; the call goes on without them. */
  onDeviceProblem: (problem: DeviceProblem) => void;
  /** Screen sharing started or stopped (also when the browser's own "Stop sharing" is used). */
  onSharing: (sharing: boolean) => void;
  /** The partner turned their microphone or camera on or off. */
  onPartnerState: (state: PartnerState) => void;
  onQuality: (quality: Quality) => void;
  /** Direct mode: the peer connection's own state, for telling the server I am in or out. */
  onPeerState?: (state: RTCPeerConnectionState) => void;
}

export interface CallHandle {
  readonly canShareScreen: boolean;
  setMicrophone(enabled: boolean): Promise<void>;
  setCamera(enabled: boolean): Promise<void>;
  /** Resolves to whether sharing started (the person may cancel the picker). */
  startScreenShare(): Promise<boolean>;
  stopScreenShare(): Promise<void>;
  /** Returns false when the chat channel is not open yet. */
  sendChat(text: string): boolean;
  /** Leaves the call; `notifyPartner` says goodbye first (not needed once the session ended). */
  close(notifyPartner?: boolean): void;
}
