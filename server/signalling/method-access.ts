// Which access action (server/domain/survey-access.ts) each signalling method
// is. The session checks it before running any handler; typed on the protocol's
// methods, so a new method does not compile without its entry, and the access
// matrix test walks this registry.
import type { SurveyAction } from "../domain/survey-access";
import type { SignalMethod } from "./protocol";

export const signallingMethodAccess: Record<SignalMethod, SurveyAction> = {
  getRouterRtpCapabilities: "call.media",
  createTransport: "call.media",
  warmUpReceiving: "call.media",
  connectTransport: "call.media",
  join: "call.media",
  produce: "call.media",
  pauseProducer: "call.media",
  resumeProducer: "call.media",
  closeProducer: "call.media",
  resumeConsumer: "call.media",
  restartIce: "call.media",
  chat: "call.chat",
  endSurvey: "call.end",
  recordingConsent: "call.consent",
  pushGuide: "call.guide",
  requestCapture: "call.guide",
  resume: "call.media",
  setConsumerTileSize: "call.media",
  reportLinkQuality: "call.media",
};
