// What the signalling layer needs from server-side recording (dual recording,
// 双录): the consent answer and the current state. Implemented by
// server/recording/survey-recording-service.ts.
import type { ParticipantIdentity } from "../domain/participants";
import type { RecordingStateWire } from "../signalling/protocol";
import type { PlaceReport } from "../domain/place-report";
import type { Room } from "../../media/room";

export interface RecordingControl {
  /** Wires a new room so that, once consent is given, every track is recorded. */
  attachRoom(room: Room): void;
  /** The policyholder's answer; recording starts on consent and never without it. */
  consent(who: ParticipantIdentity, accepted: boolean, noticeVersion: string, noticeLocale?: "zh-CN" | "en", place?: PlaceReport): Promise<RecordingStateWire>;
  state(surveyId: string): RecordingStateWire;
  /** Finalises a survey's recordings (survey ended); resolves when files are closed and hashed. */
  finalise(surveyId: string): Promise<void>;
  close(): Promise<void>;
}
