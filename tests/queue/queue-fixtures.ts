// Shared set-up for the queue tests: a driven clock, agents as real users, queues.
import type { Db } from "../../server/db/client";
import type { Provider } from "../../server/queue/atomic-assignment";
import { QueueService } from "../../server/queue/queue-service";

export const T0 = Date.parse("2026-12-02T09:00:00Z");

/** The service's time, moved by the test: no test waits for a timer. */
export class DrivenClock {
  ms = T0;
  readonly now = () => new Date(this.ms);
  advance(sec: number) {
    this.ms += sec * 1000;
  }
}

export function queueService(db: Db, provider: Provider, clock: DrivenClock) {
  return new QueueService({ db, provider, clock: clock.now, surveys: { publicUrl: "http://localhost:3000", ttlHours: 24 } });
}

export async function makeAgents(db: Db, svc: { upsertAgent(p: Parameters<QueueService["upsertAgent"]>[0]): Promise<unknown> }, prefix: string, n: number, queueIds: string[], skills = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const u = await db.user.create({ data: { email: `${prefix}${i}@example.com`, name: `Agent ${prefix}${i}`, role: "agent", passwordHash: "x" } });
    await svc.upsertAgent({ userId: u.id, queueIds, skills });
    ids.push(u.id);
  }
  return ids;
}

let mobileSeq = 0;
export function driver(queueId: string, over: Record<string, unknown> = {}) {
  mobileSeq++;
  return { queueId, claimType: "motor_collision", language: "zh-CN", mobile: `139${String(10_000_000 + mobileSeq).slice(-8)}`, policyNumber: `PD${100000 + mobileSeq}`, ...over };
}

/** The one-time code in the latest SMS to `mobile`, as the driver reads it from the outbox. */
export async function codeSentTo(db: Db, mobile: string): Promise<string> {
  const sms = await db.outboxMessage.findFirst({ where: { to: mobile }, orderBy: { createdAt: "desc" } });
  const code = sms && /(?<!\d)(\d{6})(?!\d)/.exec(sms.body)?.[1];
  if (!code) throw new Error(`no code was sent to ${mobile}`);
  return code;
}
