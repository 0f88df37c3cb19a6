// What the waiting driver is told: how long until an agent answers. Pure (facts
// in, seconds out), so the rule is unit-tested on plain numbers; the service
// loads the facts (the queue's stored events and its agents' states).
//
// The estimate: agents who are ready now take the first entries at once; the
// rest are served in rounds as the agents on duty (ready, ringing, in a survey
// or wrapping up) come free, each round taking the recent average handling time.
// Nobody on duty means no honest number: null, and the screen says so.

/** An answer and when that agent next went into wrap-up (the survey ended). */
export interface AnsweredAt {
  agentId: string;
  atMs: number;
}

/** Default when the queue has no history yet. */
export const DEFAULT_HANDLING_SEC = 300;

/**
 * Average handling time (answer → wrap-up) over recent answers. Each answer is
 * paired with the same agent's first wrap-up at or after it; answers whose
 * survey has not ended yet do not count.
 */
export function averageHandlingSec(answers: readonly AnsweredAt[], wrapUps: readonly AnsweredAt[]): number {
  const sorted = [...wrapUps].sort((a, b) => a.atMs - b.atMs);
  const durations: number[] = [];
  for (const a of answers) {
    const end = sorted.find((w) => w.agentId === a.agentId && w.atMs >= a.atMs);
    if (end) durations.push((end.atMs - a.atMs) / 1000);
  }
  if (durations.length === 0) return DEFAULT_HANDLING_SEC;
  return durations.reduce((s, d) => s + d, 0) / durations.length;
}

export interface WaitFacts {
  /** 1-based place in the queue. */
  position: number;
  /** Agents of this queue in state ready. */
  readyAgents: number;
  /** Agents of this queue on duty but not free: offered, busy or wrap-up. */
  occupiedAgents: number;
  averageHandlingSec: number;
}

export function estimateWaitSec(f: WaitFacts): number | null {
  const onDuty = f.readyAgents + f.occupiedAgents;
  if (onDuty <= 0 || f.position < 1) return null;
  if (f.position <= f.readyAgents) return 0;
  const rounds = Math.ceil((f.position - f.readyAgents) / onDuty);
  return Math.round(rounds * f.averageHandlingSec);
}
