// A track recording's states, in one place for the server and the screens:
// written while the survey runs, then finalised (file hashed) or failed.
import { z } from "zod";

export const RECORDING_STATUSES = ["recording", "finalised", "failed"] as const;
export type RecordingStatus = (typeof RECORDING_STATUSES)[number];
export const recordingStatusSchema = z.enum(RECORDING_STATUSES);
