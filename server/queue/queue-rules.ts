// A queue's routing rules, stored as JSON on the Queue row and edited by admins.
// Parsed here with defaults, so a queue created with "{}" routes sensibly and a
// stored rule set from an older version still reads.
import { z } from "zod";

/**
 * A waiting video is a file this product serves itself (from public/, e.g.
 * /media/waiting.mp4): a path on this site, never another site's address, so
 * the phone downloads nothing from elsewhere and the page's policy holds.
 */
const ownVideoPath = z
  .string()
  .max(200)
  .regex(/^\/[A-Za-z0-9_-][A-Za-z0-9/_.-]*\.(mp4|webm)$/, { message: "error.field.invalid" })
  .refine((p) => !p.includes("..") && !p.includes("//"), { message: "error.field.invalid" });

/** The built-in guide's photos: the scene, the damage, the plate (motor checklists have all three; others keep theirs). */
export const DEFAULT_WAITING_PHOTO_ITEMS = ["corner_front_left", "damage_closeup", "licence_plate"];

export const queueRules = z.object({
  /** Which of the entry's facts an agent's skills must cover. */
  matchSkills: z
    .object({ claimType: z.boolean().default(true), language: z.boolean().default(true), region: z.boolean().default(false) })
    .default({ claimType: true, language: true, region: false }),
  /** VIP entries are offered before everybody else in the queue. */
  vipFirst: z.boolean().default(true),
  /** A returning policyholder waits up to stickyWaitSec for the agent who answered them within stickyDays. */
  stickyDays: z.number().int().min(0).max(365).default(7),
  stickyWaitSec: z.number().int().min(0).max(3600).default(30),
  /** A designated agent is waited for this long, then anyone suitable may take the entry. */
  designatedWaitSec: z.number().int().min(0).max(3600).default(60),
  /** Among the suitable ready agents: the one idle longest, or the one who answered fewest. */
  strategy: z.enum(["longest-idle", "least-busy"]).default("longest-idle"),
  /** After this wait the entry is also offered to the overflow queue's agents. */
  overflowAfterSec: z.number().int().min(1).max(86_400).nullable().default(null),
  overflowQueueId: z.string().min(1).max(64).nullable().default(null),
  /** After this wait the driver is offered a callback. */
  maxWaitSec: z.number().int().min(1).max(86_400).nullable().default(null),
  /** An offer rings this long; unanswered, it passes on and the agent goes away. */
  offerTimeoutSec: z.number().int().min(3).max(600).default(20),
  /** After a survey the agent is in wrap-up this long, then ready again. */
  wrapUpSec: z.number().int().min(0).max(3600).default(30),
  /**
   * A driver's waiting page reports on every poll; one not heard from for this long
   * (the phone dropped, the browser was closed) gives up its place: abandoned, "dropped".
   */
  droppedGraceSec: z.number().int().min(5).max(3600).default(60),
  /** Service level: answered within this many seconds. */
  serviceLevelSec: z.number().int().min(1).max(3600).default(20),
  /**
   * The waiting screen: a video played while waiting (null: the built-in guide,
   * safety steps with pictures), and the checklist items the driver may already
   * photograph (kept on the phone, sent and judged once an agent answers).
   */
  waitingVideoUrl: ownVideoPath.nullable().default(null),
  waitingPhotoItems: z
    .array(z.string().regex(/^[a-z0-9_]{1,64}$/, { message: "error.field.invalid" }))
    .max(10)
    .default(DEFAULT_WAITING_PHOTO_ITEMS),
});
export type QueueRules = z.infer<typeof queueRules>;

export function parseQueueRules(json: string): QueueRules {
  let raw: unknown = {};
  try {
    raw = JSON.parse(json);
  } catch {
    raw = {};
  }
  const parsed = queueRules.safeParse(raw);
  return parsed.success ? parsed.data : queueRules.parse({});
}
