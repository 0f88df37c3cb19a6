// Loads the wallboard's facts from the database (the day's stored queue events,
// the entries still waiting, the agents' states) and computes the figures with
// the pure wallboard-figures.ts. The export hands out exactly the events loaded
// here, so figures recomputed from it are the wallboard's.
import type { Db } from "../db/client";
import { dayWindow, type DayWindow } from "./day-window";
import { parseQueueRules } from "./queue-rules";
import { agentStates, computeWallboard, type AgentState, type Wallboard, type WallboardEvent, type WallboardFacts } from "./wallboard-figures";

type EventRow = Awaited<ReturnType<Db["queueEvent"]["findMany"]>>[number];

function jsonObject(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function jsonStrings(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

export function wallboardEvent(e: EventRow): WallboardEvent {
  return { id: e.id, type: e.type, atMs: e.at.getTime(), entryId: e.entryId, queueId: e.queueId, agentId: e.agentId, payload: jsonObject(e.payload) };
}

/**
 * The events the day's figures are computed from: every event of the day, and
 * from before it the events of entries that ended today (a wait across midnight)
 * and each agent's last answer before the day when their survey ended today.
 */
export async function loadDayEvents(db: Db, window: DayWindow): Promise<EventRow[]> {
  const day = await db.queueEvent.findMany({ where: { at: { gte: new Date(window.fromMs), lt: new Date(window.toMs) } }, orderBy: [{ at: "asc" }, { id: "asc" }] });
  const entryIds = [...new Set(day.map((e) => e.entryId).filter((id): id is string => id !== null))];
  const earlier: EventRow[] = [];
  // In slices: SQLite limits the parameters of one statement.
  for (let i = 0; i < entryIds.length; i += 500) {
    earlier.push(...(await db.queueEvent.findMany({ where: { entryId: { in: entryIds.slice(i, i + 500) }, at: { lt: new Date(window.fromMs) } } })));
  }
  // Only an agent whose first wrap-up of the day follows no answer of the day was in a survey at
  // midnight (the wallboard polls: not a query per agent who wrapped up today).
  const firstWrapUp = new Map<string, number>();
  for (const e of day) if (e.type === "agent.state" && e.agentId && !firstWrapUp.has(e.agentId) && jsonObject(e.payload).state === "wrapup") firstWrapUp.set(e.agentId, e.at.getTime());
  const answeredBefore = (agentId: string, ms: number) => day.some((e) => e.type === "answered" && e.agentId === agentId && e.at.getTime() <= ms);
  const spanningMidnight = [...firstWrapUp].filter(([agentId, ms]) => !answeredBefore(agentId, ms)).map(([agentId]) => agentId);
  for (const agentId of spanningMidnight) {
    const last = await db.queueEvent.findFirst({ where: { type: "answered", agentId, at: { lt: new Date(window.fromMs) } }, orderBy: [{ at: "desc" }, { id: "desc" }] });
    if (last) earlier.push(last);
  }
  const seen = new Set<string>();
  return [...earlier, ...day]
    .filter((e) => (seen.has(e.id) ? false : (seen.add(e.id), true)))
    .sort((a, b) => a.at.getTime() - b.at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The configured queues with what the wallboard shows of them. */
export async function wallboardQueues(db: Db): Promise<WallboardFacts["queues"]> {
  const rows = await db.queue.findMany({ orderBy: { name: "asc" } });
  return rows.map((q) => {
    const label = Object.fromEntries(Object.entries(jsonObject(q.label)).filter((kv): kv is [string, string] => typeof kv[1] === "string"));
    return { id: q.id, name: q.name, label, serviceLevelSec: parseQueueRules(q.rules).serviceLevelSec };
  });
}

/** The current state: entries still in the queue, and every agent's state. */
export async function loadNow(db: Db): Promise<Pick<WallboardFacts, "open" | "agents">> {
  const [entries, agents] = await Promise.all([
    db.queueEntry.findMany({ where: { status: { in: ["waiting", "offered"] } }, select: { id: true, queueId: true, mode: true, enteredAt: true } }),
    db.queueAgent.findMany({ select: { userId: true, state: true, queueIds: true } }),
  ]);
  return {
    open: entries.map((e) => ({ id: e.id, queueId: e.queueId, mode: e.mode === "callback" ? "callback" : e.mode === "transfer" ? "transfer" : "live", enteredAtMs: e.enteredAt.getTime() })),
    agents: agents.map((a) => ({ id: a.userId, state: (agentStates as readonly string[]).includes(a.state) ? (a.state as AgentState) : "away", queueIds: jsonStrings(a.queueIds) })),
  };
}

export interface WallboardView extends Wallboard {
  day: string;
  timeZone: string;
  fromMs: number;
  toMs: number;
  nowMs: number;
}

export async function loadWallboard(db: Db, now: Date, timeZone: string): Promise<WallboardView> {
  const window = dayWindow(now.getTime(), timeZone);
  const [queues, events, current] = await Promise.all([wallboardQueues(db), loadDayEvents(db, window), loadNow(db)]);
  const board = computeWallboard({ nowMs: now.getTime(), fromMs: window.fromMs, toMs: window.toMs, queues, events: events.map(wallboardEvent), ...current });
  return { ...board, day: window.day, timeZone, fromMs: window.fromMs, toMs: window.toMs, nowMs: now.getTime() };
}
