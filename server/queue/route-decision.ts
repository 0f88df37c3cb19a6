// The routing rule engine: facts in, offers out. Pure (no database, no clock of
// its own), so every rule is unit-tested on plain data and the service only
// loads facts and applies the decision atomically (server/queue/queue-service.ts).
import type { QueueRules } from "./queue-rules";

export interface EntryFacts {
  id: string;
  queueId: string;
  vip: boolean;
  /** transfer: a running survey passed on to a group (server/queue/survey-transfer.ts). */
  mode: "live" | "callback" | "transfer";
  claimType: string;
  language: string;
  region: string | null;
  enteredAtMs: number;
  preferredAgentId: string | null;
  stickyAgentId: string | null;
  /** Agents who declined it or let an offer lapse. */
  passedBy: readonly string[];
}

export interface AgentSkills {
  claimTypes: readonly string[];
  languages: readonly string[];
  regions: readonly string[];
}

export interface AgentFacts {
  id: string;
  queueIds: readonly string[];
  skills: AgentSkills;
  readySinceMs: number;
  answeredCount: number;
}

export interface RoutingFacts {
  nowMs: number;
  /** Rules by queue id. */
  rules: ReadonlyMap<string, QueueRules>;
  waiting: readonly EntryFacts[];
  /** Agents in state ready. */
  ready: readonly AgentFacts[];
}

export type OfferReason = "designated" | "sticky" | "longest-idle" | "least-busy" | "overflow";

export interface OfferDecision {
  entryId: string;
  agentId: string;
  reason: OfferReason;
}

/**
 * The order entries are served in: transfers first (a driver already in a call,
 * an agent held by it), then VIP (where the queue says so), live before
 * callbacks, then longest waiting.
 */
export function compareEntries(rules: ReadonlyMap<string, QueueRules>) {
  return (a: EntryFacts, b: EntryFacts): number => {
    const ta = a.mode === "transfer" ? 1 : 0;
    const tb = b.mode === "transfer" ? 1 : 0;
    if (ta !== tb) return tb - ta;
    const va = a.vip && (rules.get(a.queueId)?.vipFirst ?? true) ? 1 : 0;
    const vb = b.vip && (rules.get(b.queueId)?.vipFirst ?? true) ? 1 : 0;
    if (va !== vb) return vb - va;
    if (a.mode !== b.mode) return a.mode === "live" ? -1 : 1;
    if (a.enteredAtMs !== b.enteredAtMs) return a.enteredAtMs - b.enteredAtMs;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  };
}

/** The queues whose agents may take this entry now: its own, plus the overflow queue once it has waited long enough. */
export function servingQueues(entry: EntryFacts, rules: QueueRules, nowMs: number): string[] {
  const queues = [entry.queueId];
  if (rules.overflowQueueId && rules.overflowAfterSec !== null && nowMs - entry.enteredAtMs >= rules.overflowAfterSec * 1000) {
    queues.push(rules.overflowQueueId);
  }
  return queues;
}

function covers(list: readonly string[], value: string | null): boolean {
  return list.length === 0 || (value !== null && list.includes(value));
}

export function agentSuits(agent: AgentFacts, entry: EntryFacts, rules: QueueRules, queues: readonly string[]): boolean {
  if (!agent.queueIds.some((q) => queues.includes(q))) return false;
  if (rules.matchSkills.claimType && !covers(agent.skills.claimTypes, entry.claimType)) return false;
  if (rules.matchSkills.language && !covers(agent.skills.languages, entry.language)) return false;
  if (rules.matchSkills.region && !covers(agent.skills.regions, entry.region)) return false;
  return true;
}

/**
 * Whom this entry waits for, if anybody in particular: a designated agent within
 * designatedWaitSec, else the returning policyholder's last agent within stickyWaitSec.
 * While it waits for them, nobody else is offered it.
 */
export function reservedFor(entry: EntryFacts, rules: QueueRules, nowMs: number): { agentId: string; reason: "designated" | "sticky" } | null {
  const waitedMs = nowMs - entry.enteredAtMs;
  // Whoever already passed on it is waited for no longer.
  if (entry.preferredAgentId && !entry.passedBy.includes(entry.preferredAgentId) && waitedMs < rules.designatedWaitSec * 1000) return { agentId: entry.preferredAgentId, reason: "designated" };
  if (entry.stickyAgentId && !entry.passedBy.includes(entry.stickyAgentId) && waitedMs < rules.stickyWaitSec * 1000) return { agentId: entry.stickyAgentId, reason: "sticky" };
  return null;
}

function pickByStrategy(candidates: AgentFacts[], strategy: QueueRules["strategy"]): AgentFacts {
  const sorted = [...candidates].sort((a, b) => {
    if (strategy === "least-busy" && a.answeredCount !== b.answeredCount) return a.answeredCount - b.answeredCount;
    if (a.readySinceMs !== b.readySinceMs) return a.readySinceMs - b.readySinceMs;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  return sorted[0]!;
}

/** When a reservation (designated or sticky) lapses, so the service can wake routing then. */
export function reservationEndsAtMs(entry: EntryFacts, rules: QueueRules): number | null {
  if (entry.preferredAgentId) return entry.enteredAtMs + rules.designatedWaitSec * 1000;
  if (entry.stickyAgentId) return entry.enteredAtMs + rules.stickyWaitSec * 1000;
  return null;
}

/**
 * Greedy matching in service order. First every entry that waits for a particular
 * agent (designated or sticky) gets that agent if ready: such an entry can go to
 * nobody else, so it must not lose its agent to an entry that could. Then each
 * other entry, best first, gets the best suitable ready agent still free. An agent
 * who declined an entry or let its offer lapse is not offered it again: it waits
 * for another agent (and, past the maximum wait, is offered a callback).
 */
export function decideOffers(facts: RoutingFacts): OfferDecision[] {
  const free = new Map(facts.ready.map((a) => [a.id, a]));
  const decisions: OfferDecision[] = [];
  const ordered = [...facts.waiting].sort(compareEntries(facts.rules));
  const open: EntryFacts[] = [];
  for (const entry of ordered) {
    const rules = facts.rules.get(entry.queueId);
    if (!rules) continue;
    const reserved = reservedFor(entry, rules, facts.nowMs);
    if (!reserved) {
      open.push(entry);
      continue;
    }
    // The reserved agent need not carry the queue's skills: the policyholder asked for them, or knows them.
    const agent = free.get(reserved.agentId);
    if (agent) {
      decisions.push({ entryId: entry.id, agentId: agent.id, reason: reserved.reason });
      free.delete(agent.id);
    }
  }
  for (const entry of open) {
    if (free.size === 0) break;
    const rules = facts.rules.get(entry.queueId)!;
    const queues = servingQueues(entry, rules, facts.nowMs);
    const suitable = [...free.values()].filter((a) => !entry.passedBy.includes(a.id) && agentSuits(a, entry, rules, queues));
    if (suitable.length === 0) continue;
    const agent = pickByStrategy(suitable, rules.strategy);
    const viaOverflow = !agent.queueIds.includes(entry.queueId);
    decisions.push({ entryId: entry.id, agentId: agent.id, reason: viaOverflow ? "overflow" : rules.strategy });
    free.delete(agent.id);
  }
  return decisions;
}

/** Position (1-based) of an entry among those served before it in its own queue. */
export function queuePosition(entry: EntryFacts, waiting: readonly EntryFacts[], rules: ReadonlyMap<string, QueueRules>): number {
  const cmp = compareEntries(rules);
  return waiting.filter((e) => e.queueId === entry.queueId && e.id !== entry.id && cmp(e, entry) < 0).length + 1;
}
