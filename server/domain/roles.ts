import { z } from "zod";

export const staffRole = z.enum(["agent", "adjuster", "auditor", "admin"]);
export type StaffRole = z.infer<typeof staffRole>;

export const participantRole = z.enum(["policyholder", "agent", "adjuster"]);
export type ParticipantRole = z.infer<typeof participantRole>;

export const inviteRole = z.enum(["policyholder", "adjuster"]);
export type InviteRole = z.infer<typeof inviteRole>;

export const surveyStatus = z.enum(["created", "open", "closed"]);
export type SurveyStatus = z.infer<typeof surveyStatus>;
