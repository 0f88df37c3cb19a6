// The supervisor wallboard's figures: facts in, figures out. Pure (no database,
// no clock of its own), so every definition below is unit-tested on hand-built
// event lists, and the same function recomputes the figures from an export of
// the events (server/queue/queue-events-csv.ts): the two cannot disagree.
//
// Definitions ("today" is the window [fromMs, toMs) of one calendar day in the
// wallboard's time zone; an entry counts on the day its outcome happened, so an
// entry that waited across midnight counts today with its whole wait):
// - answered / abandoned: live entries whose "answered" / "abandoned" event is today.
//   A driver who asked to be called back left the live queue: abandoned (and a
//   callback requested). Callback entries are the agent calling out, not a
//   driver waiting on the phone: counted apart, never in the rates below.
// - service level: answered within the queue's serviceLevelSec, as a share of
//   answered + abandoned (a driver who gave up before the threshold missed it too).
// - average speed of answer: mean wait (entered → answered) of the answered.
// - abandonment rate: abandoned / (answered + abandoned).
// - average handling time: answer → the same agent's next wrap-up, for surveys
//   whose wrap-up began today (callback entries included: it is the agent's work;
//   a transferred survey counts for each agent's part, answer or hand-over to wrap-up).
// - transfers: surveys passed on to another agent or group today ("transferred"
//   events). A transfer's entry is an agent's survey changing hands, not a driver
//   waiting: never in entered, answered, abandoned or the rates, nor in "waiting".
import type { QueueEventType } from "./queue-events";

export interface WallboardEvent {
  id: string;
  type: QueueEventType | string;
  atMs: number;
  entryId: string | null;
  queueId: string | null;
  agentId: string | null;
  payload: Record<string, unknown>;
}

export interface WallboardQueue {
  id: string;
  name: string;
  label: Record<string, string>;
  serviceLevelSec: number;
}

/** An entry still in the queue now (waiting, or its offer ringing). */
export interface OpenEntry {
  id: string;
  queueId: string;
  mode: "live" | "callback" | "transfer";
  enteredAtMs: number;
}

export const agentStates = ["ready", "offered", "busy", "wrapup", "away"] as const;
export type AgentState = (typeof agentStates)[number];

export interface AgentNow {
  id: string;
  state: AgentState;
  queueIds: readonly string[];
}

export interface WallboardFacts {
  nowMs: number;
  fromMs: number;
  toMs: number;
  queues: readonly WallboardQueue[];
  /** The day's events, plus any earlier events of entries and surveys that ended today. */
  events: readonly WallboardEvent[];
  open: readonly OpenEntry[];
  agents: readonly AgentNow[];
}

export interface DayFigures {
  /** Live entries that entered today. */
  entered: number;
  answered: number;
  answeredWithinServiceLevel: number;
  abandoned: number;
  /** Abandoned while no agent had been offered them yet. */
  abandonedBeforeOffer: number;
  callbacksRequested: number;
  callbacksAnswered: number;
  /** 0..1; null when nobody was answered or abandoned today. */
  serviceLevel: number | null;
  averageSpeedOfAnswerSec: number | null;
  abandonmentRate: number | null;
  averageHandlingSec: number | null;
  /** How many surveys the average handling time is over. */
  handled: number;
  /** Surveys passed on to another agent or group. */
  transfers: number;
}

export type AgentCounts = Record<AgentState, number>;

export interface QueueBoard {
  queueId: string;
  name: string;
  label: Record<string, string>;
  serviceLevelSec: number;
  waiting: number;
  callbacksWaiting: number;
  longestWaitSec: number | null;
  agents: AgentCounts;
  today: DayFigures;
}

export interface Wallboard {
  queues: QueueBoard[];
  total: Omit<QueueBoard, "queueId" | "name" | "label" | "serviceLevelSec">;
}

export const DEFAULT_SERVICE_LEVEL_SEC = 20;

interface Tally {
  entered: number;
  answered: number;
  withinSl: number;
  abandoned: number;
  abandonedBeforeOffer: number;
  callbacksRequested: number;
  callbacksAnswered: number;
  waitSumMs: number;
  handled: number;
  handlingSumMs: number;
  transfers: number;
}

const emptyTally = (): Tally => ({ entered: 0, answered: 0, withinSl: 0, abandoned: 0, abandonedBeforeOffer: 0, callbacksRequested: 0, callbacksAnswered: 0, waitSumMs: 0, handled: 0, handlingSumMs: 0, transfers: 0 });

function figuresOf(t: Tally): DayFigures {
  const ended = t.answered + t.abandoned;
  return {
    entered: t.entered,
    answered: t.answered,
    answeredWithinServiceLevel: t.withinSl,
    abandoned: t.abandoned,
    abandonedBeforeOffer: t.abandonedBeforeOffer,
    callbacksRequested: t.callbacksRequested,
    callbacksAnswered: t.callbacksAnswered,
    serviceLevel: ended === 0 ? null : t.withinSl / ended,
    averageSpeedOfAnswerSec: t.answered === 0 ? null : t.waitSumMs / t.answered / 1000,
    abandonmentRate: ended === 0 ? null : t.abandoned / ended,
    averageHandlingSec: t.handled === 0 ? null : t.handlingSumMs / t.handled / 1000,
    handled: t.handled,
    transfers: t.transfers,
  };
}

function addTally(into: Tally, t: Tally) {
  for (const k of Object.keys(into) as (keyof Tally)[]) into[k] += t[k];
}

const byTime = (a: WallboardEvent, b: WallboardEvent) => a.atMs - b.atMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The wait an outcome event ended: from the entry's "entered" event, else the wait the service wrote on it. */
function waitMsOf(outcome: WallboardEvent, entered: WallboardEvent | undefined): number {
  if (entered) return outcome.atMs - entered.atMs;
  const w = outcome.payload.waitedMs;
  return typeof w === "number" ? w : 0;
}

export function computeWallboard(f: WallboardFacts): Wallboard {
  const inDay = (ms: number) => ms >= f.fromMs && ms < f.toMs;
  const slSec = new Map(f.queues.map((q) => [q.id, q.serviceLevelSec]));
  const tallies = new Map(f.queues.map((q) => [q.id, emptyTally()]));
  // Events of a queue no longer configured still count in the total.
  const tallyOf = (queueId: string | null) => {
    const key = queueId ?? "";
    let t = tallies.get(key);
    if (!t) tallies.set(key, (t = emptyTally()));
    return t;
  };

  const events = [...f.events].sort(byTime);
  const byEntry = new Map<string, WallboardEvent[]>();
  for (const e of events) if (e.entryId) (byEntry.get(e.entryId) ?? byEntry.set(e.entryId, []).get(e.entryId)!).push(e);

  for (const list of byEntry.values()) {
    const transferred = list.find((e) => e.type === "transferred");
    if (transferred) {
      if (inDay(transferred.atMs)) tallyOf(transferred.queueId).transfers++;
      continue;
    }
    const start = list.find((e) => e.type === "entered" || e.type === "callback");
    const isCallback = list.some((e) => e.type === "callback");
    const queueId = start?.queueId ?? list.find((e) => e.queueId)?.queueId ?? null;
    const t = tallyOf(queueId);
    if (start && !isCallback && inDay(start.atMs)) t.entered++;
    const outcome = list.find((e) => e.type === "answered" || e.type === "abandoned");
    if (!outcome || !inDay(outcome.atMs)) continue;
    if (isCallback) {
      if (outcome.type === "answered") t.callbacksAnswered++;
      continue;
    }
    const waitMs = waitMsOf(outcome, start);
    if (outcome.type === "answered") {
      t.answered++;
      t.waitSumMs += waitMs;
      if (waitMs <= (slSec.get(queueId ?? "") ?? DEFAULT_SERVICE_LEVEL_SEC) * 1000) t.withinSl++;
    } else {
      t.abandoned++;
      if (!list.some((e) => e.type === "offered" && e.atMs <= outcome.atMs)) t.abandonedBeforeOffer++;
      if (outcome.payload.reason === "callback") t.callbacksRequested++;
    }
  }

  // Handling: each answer to the same agent's first wrap-up at or after it.
  const wrapUps = new Map<string, number[]>();
  for (const e of events) if (e.type === "agent.state" && e.agentId && e.payload.state === "wrapup") (wrapUps.get(e.agentId) ?? wrapUps.set(e.agentId, []).get(e.agentId)!).push(e.atMs);
  for (const e of events) {
    if (e.type !== "answered" || !e.agentId) continue;
    const end = wrapUps.get(e.agentId)?.find((ms) => ms >= e.atMs);
    if (end === undefined || !inDay(end)) continue;
    const t = tallyOf(e.queueId);
    t.handled++;
    t.handlingSumMs += end - e.atMs;
  }

  const noAgents = (): AgentCounts => ({ ready: 0, offered: 0, busy: 0, wrapup: 0, away: 0 });
  const queues: QueueBoard[] = f.queues.map((q) => {
    const open = f.open.filter((e) => e.queueId === q.id);
    const live = open.filter((e) => e.mode === "live");
    const callbacks = open.filter((e) => e.mode === "callback");
    const agents = noAgents();
    for (const a of f.agents) if (a.queueIds.includes(q.id)) agents[a.state]++;
    return {
      queueId: q.id,
      name: q.name,
      label: q.label,
      serviceLevelSec: q.serviceLevelSec,
      waiting: live.length,
      callbacksWaiting: callbacks.length,
      longestWaitSec: live.length === 0 ? null : Math.max(0, Math.floor((f.nowMs - Math.min(...live.map((e) => e.enteredAtMs))) / 1000)),
      agents,
      today: figuresOf(tallies.get(q.id)!),
    };
  });

  const all = emptyTally();
  for (const t of tallies.values()) addTally(all, t);
  const agents = noAgents();
  for (const a of f.agents) agents[a.state]++;
  const live = f.open.filter((e) => e.mode === "live");
  return {
    queues,
    total: {
      waiting: live.length,
      callbacksWaiting: f.open.filter((e) => e.mode === "callback").length,
      longestWaitSec: live.length === 0 ? null : Math.max(0, Math.floor((f.nowMs - Math.min(...live.map((e) => e.enteredAtMs))) / 1000)),
      agents,
      today: figuresOf(all),
    },
  };
}
