// Chat lives in the survey timeline (event type chat.message), so the
// transcript and the rest of the record can never disagree.
import { z } from "zod";
import type { Db } from "../db/client";
import type { ParticipantIdentity } from "./participants";
import { appendSurveyEvent, parseEventPayload } from "./survey-events";

export const chatText = z.string().trim().min(1, "empty message").max(2000);

export interface ChatMessage {
  id: string;
  seq: number;
  at: Date;
  participantId: string | null;
  role: string | null;
  displayName: string;
  text: string;
}

export async function postChatMessage(db: Db, who: ParticipantIdentity, text: string): Promise<ChatMessage> {
  const clean = chatText.parse(text);
  const ev = await appendSurveyEvent(db, who.surveyId, {
    type: "chat.message",
    actorId: who.participantId,
    actorRole: who.role,
    payload: { text: clean, displayName: who.displayName },
  });
  return { id: ev.id, seq: ev.seq, at: ev.at, participantId: who.participantId, role: who.role, displayName: who.displayName, text: clean };
}

export async function chatHistory(db: Db, surveyId: string): Promise<ChatMessage[]> {
  const rows = await db.surveyEvent.findMany({ where: { surveyId, type: "chat.message" }, orderBy: { seq: "asc" } });
  return rows.map((r) => {
    const p = parseEventPayload(r.payload);
    return {
      id: r.id,
      seq: r.seq,
      at: r.at,
      participantId: r.actorId,
      role: r.actorRole,
      displayName: typeof p.displayName === "string" ? p.displayName : "",
      text: typeof p.text === "string" ? p.text : "",
    };
  });
}
