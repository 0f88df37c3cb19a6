// What the waiting screen plays and offers while the driver waits, from the
// queue's rules (server/queue/queue-rules.ts): the queue's own video if it has
// one, and the photos the driver may already take, as the claim type's checklist
// words them (its labels, instructions and guide pictures, edited by admins),
// so a photo taken while waiting is filed under the same item as in the call.
import type { Db } from "../db/client";
import { checklistFor } from "../domain/checklists";
import { parseQueueRules } from "./queue-rules";

export interface WaitingGuide {
  /** A file of this site to play; null: the built-in guide (safety steps and the photos below). */
  videoUrl: string | null;
  photoItems: { key: string; label: Record<string, string>; instruction: Record<string, string>; overlay: string | null }[];
}

export async function waitingGuideFor(db: Db, entryId: string): Promise<WaitingGuide> {
  const entry = await db.queueEntry.findUniqueOrThrow({ where: { id: entryId }, select: { queueId: true, claimType: true, mode: true } });
  const queue = await db.queue.findUnique({ where: { id: entry.queueId }, select: { rules: true } });
  const rules = parseQueueRules(queue?.rules ?? "{}");
  // A booked callback has nobody on the phone waiting for a call to start: no photos to stage.
  if (entry.mode !== "live") return { videoUrl: rules.waitingVideoUrl, photoItems: [] };
  const checklist = await checklistFor(db, entry.claimType);
  const photoItems = rules.waitingPhotoItems.flatMap((key) => {
    const item = checklist.find((i) => i.key === key);
    return item ? [{ key: item.key, label: item.label, instruction: item.instruction, overlay: item.overlay }] : [];
  });
  return { videoUrl: rules.waitingVideoUrl, photoItems };
}
