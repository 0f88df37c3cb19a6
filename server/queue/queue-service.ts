// The video-reporting queue: drivers enter, agents become ready, routing offers
// entries to agents, offers are accepted, declined or lapse, timers fire. Every
// change is a database transaction with conditional updates (see
// atomic-assignment.ts), so several service instances on one database route
// without ever giving one entry to two agents, and a restart loses nobody: the
// entries, offers, agent states and timers are all rows.
// Time comes from `clock`, so the load test drives it instead of sleeping.
import { hashToken, newSecretToken } from "../auth/secret-token";
import type { Db, Prisma } from "../db/client";
import { tryOffer, type OfferMade, type Provider } from "./atomic-assignment";
import { QueueError } from "./queue-errors";
import { copyEventsToSurvey, recordQueueEvent, type Tx } from "./queue-events";
import { parseQueueRules, type QueueRules } from "./queue-rules";
import { cancelTimers, dueTimers, scheduleTimer, takeTimer } from "./queue-timers";
import { decideOffers, queuePosition, type AgentFacts } from "./route-decision";
import { entryFacts, entryFactsColumns, jsonList } from "./entry-facts";
import { entryTimerPlan } from "./entry-timer-plan";
import { averageHandlingSec, estimateWaitSec } from "./wait-estimate";
import { createSurveyForEntry } from "./queue-survey";
import { retryOnDeadlock } from "./retry-on-deadlock";
import { linkAlreadySent, smsCallbackLink } from "./callback-link-sms";
import { OutboxSmsSender } from "../sms/outbox-sms-sender";
import { MobileCodes } from "./mobile-codes";
import type { SmsSender } from "../sms/sms-sender";
import { currentQueueWork, handOver, OPEN_TRANSFER, returnTransfer, transferFacts, writeTransfer, type TransferTarget } from "./survey-transfer";

export interface QueueServiceDeps {
  db: Db;
  provider: Provider;
  clock?: () => Date;
  /** Builds the survey when an offer is accepted; the default makes claim, survey and the driver's link. */
  surveys?: { publicUrl: string; ttlHours: number };
  /** Sends an answered callback's link to the driver; the outbox on `db` unless the product configures one. */
  sms?: SmsSender;
  /** Where a failed SMS is told (it is retried by a timer); silent without. */
  log?: { warn: (obj: object, msg: string) => void };
}

/** A callback's SMS the sender refused is tried again this much later, until it goes. */
const CALLBACK_SMS_RETRY_SEC = 30;

export interface EnterInput {
  queueId: string;
  claimType: string;
  language: string;
  mobile: string;
  policyNumber?: string | null;
  plate?: string | null;
  region?: string | null;
  policyholderName?: string | null;
  externalRef?: string | null;
  vip?: boolean;
  preferredAgentId?: string | null;
  mode?: "live" | "callback";
  /**
   * The driver waits on the waiting page, which reports on every poll: the entry is
   * dropped after the queue's grace period without a report. Entries from the
   * insurer's app (no waiting page) and callbacks (nobody needs to wait) are not.
   */
  watched?: boolean;
}

export interface AgentProfile {
  userId: string;
  queueIds: string[];
  skills?: { claimTypes?: string[]; languages?: string[]; regions?: string[] };
}

const OPEN_STATUSES = ["waiting", "offered"];
/** The timers an entry carries while it waits; all end when it is answered or abandoned. */
const ENTRY_TIMERS = ["overflow", "max-wait", "reroute", "dropped"] as const;

function skillsOf(text: string): AgentFacts["skills"] {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    const list = (x: unknown) => (Array.isArray(x) ? x.filter((s): s is string => typeof s === "string") : []);
    return { claimTypes: list(v.claimTypes), languages: list(v.languages), regions: list(v.regions) };
  } catch {
    return { claimTypes: [], languages: [], regions: [] };
  }
}

export class QueueService {
  readonly db: Db;
  readonly provider: Provider;
  private readonly clock: () => Date;
  private readonly surveys: { publicUrl: string; ttlHours: number };
  private readonly sms: SmsSender;
  private readonly log: QueueServiceDeps["log"];
  /** The start form's one-time codes, on the same database, sender and clock. */
  readonly mobileCodes: MobileCodes;
  /** Routing rounds in this process run one after another; other processes are kept apart by the database. */
  private routing: Promise<unknown> = Promise.resolve();
  /** The round queued behind the running one, not yet started (see dispatch). */
  private nextRound: Promise<OfferMade[]> | null = null;

  /** One transaction on the queue's tables, run again if PostgreSQL picks it as a deadlock's victim. */
  private transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return retryOnDeadlock(() => this.db.$transaction(work));
  }

  constructor(deps: QueueServiceDeps) {
    this.db = deps.db;
    this.provider = deps.provider;
    this.clock = deps.clock ?? (() => new Date());
    this.surveys = deps.surveys ?? { publicUrl: "http://localhost:3000", ttlHours: 24 };
    this.sms = deps.sms ?? new OutboxSmsSender(deps.db);
    this.log = deps.log;
    this.mobileCodes = new MobileCodes({ db: deps.db, sms: this.sms, clock: this.clock });
  }

  now(): Date {
    return this.clock();
  }

  async rulesByQueue(): Promise<Map<string, QueueRules>> {
    const queues = await this.db.queue.findMany({ select: { id: true, rules: true } });
    return new Map(queues.map((q) => [q.id, parseQueueRules(q.rules)]));
  }

  async rulesOf(queueId: string): Promise<QueueRules> {
    const q = await this.db.queue.findUnique({ where: { id: queueId }, select: { rules: true } });
    if (!q) throw new QueueError("QUEUE_NOT_FOUND", "No such queue.");
    return parseQueueRules(q.rules);
  }

  async createQueue(name: string, rules: Partial<QueueRules> = {}, label: Record<string, string> = {}) {
    return this.db.queue.create({ data: { name, rules: JSON.stringify(rules), label: JSON.stringify(label) } });
  }

  /** Registers (or updates) which queues an agent serves and their skills; a new agent starts away. */
  async upsertAgent(profile: AgentProfile) {
    const data = { queueIds: JSON.stringify(profile.queueIds), skills: JSON.stringify(profile.skills ?? {}) };
    return this.db.queueAgent.upsert({ where: { userId: profile.userId }, create: { userId: profile.userId, ...data, state: "away", stateSince: this.now() }, update: data });
  }

  /** The agent who answered this policyholder last, within the queue's sticky window. */
  private async lastAgentFor(input: EnterInput, rules: QueueRules, now: Date): Promise<string | null> {
    if (rules.stickyDays <= 0 || (!input.policyNumber && !input.plate)) return null;
    const since = new Date(now.getTime() - rules.stickyDays * 86_400_000);
    const match = input.policyNumber ? { policyNumber: input.policyNumber } : { plate: input.plate! };
    const last = await this.db.queueEntry.findFirst({
      where: { ...match, status: "answered", answeredAt: { gte: since }, assignedAgentId: { not: null } },
      orderBy: { answeredAt: "desc" },
      select: { assignedAgentId: true },
    });
    return last?.assignedAgentId ?? null;
  }

  /** A driver joins the queue. Returns the entry and the driver's token (shown once; only its hash is kept). */
  async enter(input: EnterInput): Promise<{ entryId: string; token: string; offers: OfferMade[] }> {
    const now = this.now();
    const rules = await this.rulesOf(input.queueId);
    const stickyAgentId = input.preferredAgentId ? null : await this.lastAgentFor(input, rules, now);
    const token = newSecretToken();
    const entry = await this.transaction(async (tx) => {
      const e = await tx.queueEntry.create({
        data: {
          queueId: input.queueId,
          mode: input.mode ?? "live",
          vip: input.vip ?? false,
          claimType: input.claimType,
          language: input.language,
          region: input.region ?? null,
          mobile: input.mobile,
          policyNumber: input.policyNumber ?? null,
          plate: input.plate ?? null,
          policyholderName: input.policyholderName ?? null,
          externalRef: input.externalRef ?? null,
          preferredAgentId: input.preferredAgentId ?? null,
          stickyAgentId,
          tokenHash: hashToken(token),
          enteredAt: now,
        },
      });
      await recordQueueEvent(tx, {
        type: input.mode === "callback" ? "callback" : "entered",
        at: now,
        entryId: e.id,
        queueId: e.queueId,
        payload: { vip: e.vip, claimType: e.claimType, language: e.language, region: e.region, preferredAgentId: e.preferredAgentId, stickyAgentId },
      });
      for (const { kind, dueAt } of entryTimerPlan(e, rules)) if (dueAt) await scheduleTimer(tx, kind, e.id, dueAt);
      if (input.watched && e.mode === "live") await scheduleTimer(tx, "dropped", e.id, new Date(now.getTime() + rules.droppedGraceSec * 1000));
      return e;
    });
    const offers = await this.dispatch();
    return { entryId: entry.id, token, offers };
  }



  /** Agent ready (from away, or early from wrap-up). */
  async setReady(agentId: string): Promise<OfferMade[]> {
    const now = this.now();
    const changed = await this.transaction(async (tx) => {
      const res = await tx.queueAgent.updateMany({ where: { userId: agentId, state: { in: ["away", "wrapup"] } }, data: { state: "ready", stateSince: now, readySince: now } });
      if (res.count === 1) {
        await cancelTimers(tx, agentId, ["wrap-up"]);
        await recordQueueEvent(tx, { type: "agent.state", at: now, agentId, payload: { state: "ready" } });
      }
      return res.count === 1;
    });
    if (!changed) {
      const agent = await this.db.queueAgent.findUnique({ where: { userId: agentId } });
      if (!agent) throw new QueueError("AGENT_UNKNOWN", "This agent serves no queue.");
    }
    return this.dispatch();
  }

  /** Agent away; only from ready or wrap-up (an offer must be answered, a survey finished). */
  async setAway(agentId: string): Promise<boolean> {
    const now = this.now();
    return this.transaction(async (tx) => {
      const res = await tx.queueAgent.updateMany({ where: { userId: agentId, state: { in: ["ready", "wrapup"] } }, data: { state: "away", stateSince: now, readySince: null } });
      if (res.count === 1) {
        await cancelTimers(tx, agentId, ["wrap-up"]);
        await recordQueueEvent(tx, { type: "agent.state", at: now, agentId, payload: { state: "away" } });
      }
      return res.count === 1;
    });
  }

  /**
   * A routing round that sees every change committed before this call: load the
   * facts, decide, and offer each pair atomically. Rounds in this process run one
   * after another, and callers who arrive while a round is still waiting to start
   * share that round: it reads the facts after all their changes, so it serves them
   * all. (One round per caller made ten agents coming ready together wait for ten
   * full rounds, each reading every waiting entry.) A round returns every offer it
   * made; each caller picks its own.
   */
  dispatch(): Promise<OfferMade[]> {
    if (this.nextRound) return this.nextRound;
    const round = this.routing.catch(() => undefined).then(() => {
      this.nextRound = null;
      return this.routeOnce();
    });
    this.nextRound = round;
    this.routing = round;
    return round;
  }

  /**
   * One round: read the facts, decide, and make the decided offers in the decided
   * order (reserved entries, then VIP first, ...: see decideOffers). The decisions
   * are one matching of the facts as read, and another router (or server) changes
   * them meanwhile:
   * - An offer whose agent was taken: the rest of the matching is stale. Made anyway,
   *   an entry served later is given an agent one served earlier now needs (the VIP
   *   lost its agent to the other router, and the next agent, which it could have
   *   had, rang for a plain driver). The pass stops there.
   * - An offer whose entry was taken (offered by the other router, or the driver
   *   left): everyone ranked before the entries still to come has had their agent or
   *   is gone, so the rest still holds; only the entry's agent is left over.
   * Either way the round then decides again from fresh facts, so no agent idles
   * while someone it suits waits. A failed offer means another transaction changed
   * that entry or agent (tryOffer waits for one still open on them), so the round
   * ends once the others do.
   */
  private async routeOnce(): Promise<OfferMade[]> {
    const now = this.now();
    const made: OfferMade[] = [];
    const transferIds = new Set<string>();
    for (let stale = true; stale; ) {
      stale = false;
      const [rules, waitingRows, readyRows] = await Promise.all([
        this.rulesByQueue(),
        this.db.queueEntry.findMany({ where: { status: "waiting" }, select: entryFactsColumns }),
        this.db.queueAgent.findMany({ where: { state: "ready" }, select: { userId: true, queueIds: true, skills: true, readySince: true, stateSince: true, answeredCount: true } }),
      ]);
      if (waitingRows.length === 0 || readyRows.length === 0) break;
      const ready: AgentFacts[] = readyRows.map((a) => ({
        id: a.userId,
        queueIds: jsonList(a.queueIds),
        skills: skillsOf(a.skills),
        readySinceMs: (a.readySince ?? a.stateSince).getTime(),
        answeredCount: a.answeredCount,
      }));
      const decisions = decideOffers({ nowMs: now.getTime(), rules, waiting: waitingRows.map(entryFacts), ready });
      const queueOf = new Map(waitingRows.map((e) => [e.id, e.queueId]));
      for (const e of waitingRows) if (e.mode === "transfer") transferIds.add(e.id);
      for (const d of decisions) {
        const queueId = queueOf.get(d.entryId)!;
        const offer = await tryOffer(this.db, this.provider, { ...d, queueId, now, offerTimeoutSec: rules.get(queueId)!.offerTimeoutSec });
        if ("offerId" in offer) {
          made.push(offer);
          continue;
        }
        stale = true;
        if (offer.lost === "agent") break;
      }
    }
    // A transfer's offer goes into its running survey's timeline at once (a round without transfers asks nothing more).
    const offeredTransfers = made.filter((o) => transferIds.has(o.entryId)).map((o) => o.entryId);
    if (offeredTransfers.length > 0) {
      const rows = await this.db.queueEntry.findMany({ where: { id: { in: offeredTransfers } }, select: { id: true, transferSurveyId: true } });
      for (const r of rows) if (r.transferSurveyId) await copyEventsToSurvey(this.db, r.id, r.transferSurveyId);
    }
    return made;
  }

  /** The agent accepts: the entry is theirs, they are busy, and a survey is made for the call. */
  async accept(offerId: string, agentId: string): Promise<{ entryId: string; surveyId: string }> {
    const now = this.now();
    // No throw inside the transaction (see atomic-assignment.ts): a lost race is undone and committed.
    const entryId = await this.transaction(async (tx) => {
      const offer = await tx.queueOffer.findUnique({ where: { id: offerId } });
      if (!offer || offer.agentId !== agentId) return null;
      const o = await tx.queueOffer.updateMany({ where: { id: offerId, status: "pending" }, data: { status: "accepted", answeredAt: now } });
      if (o.count !== 1) return null;
      const e = await tx.queueEntry.updateMany({ where: { id: offer.entryId, status: "offered", assignedAgentId: null }, data: { status: "answered", assignedAgentId: agentId, answeredAt: now } });
      if (e.count !== 1) {
        await tx.queueOffer.update({ where: { id: offerId }, data: { status: "pending", answeredAt: null } });
        return null;
      }
      const a = await tx.queueAgent.updateMany({ where: { userId: agentId, state: "offered" }, data: { state: "busy", stateSince: now, answeredCount: { increment: 1 } } });
      if (a.count !== 1) {
        await tx.queueEntry.update({ where: { id: offer.entryId }, data: { status: "offered", assignedAgentId: null, answeredAt: null } });
        await tx.queueOffer.update({ where: { id: offerId }, data: { status: "pending", answeredAt: null } });
        return null;
      }
      await cancelTimers(tx, offerId, ["offer-timeout"]);
      await cancelTimers(tx, offer.entryId, ENTRY_TIMERS);
      const entry = await tx.queueEntry.findUniqueOrThrow({ where: { id: offer.entryId }, select: { queueId: true, enteredAt: true, mode: true } });
      await recordQueueEvent(tx, { type: "answered", at: now, entryId: offer.entryId, queueId: entry.queueId, agentId, payload: { offerId, mode: entry.mode, waitedMs: now.getTime() - entry.enteredAt.getTime() } });
      return offer.entryId;
    });
    if (!entryId) throw new QueueError("OFFER_GONE", "This offer is no longer open.");
    const surveyId = await this.ensureSurvey(entryId);
    return { entryId, surveyId };
  }

  /**
   * Makes the survey of an answered entry if it has none yet (also after a crash
   * between answer and survey), and for a callback sends the driver its link by SMS.
   */
  async ensureSurvey(entryId: string): Promise<string> {
    const entry = await this.db.queueEntry.findUniqueOrThrow({ where: { id: entryId } });
    // A transfer brings a running survey: it is handed over, not made.
    if (entry.mode === "transfer") return handOver(this.db, entry, (agentId, queueId) => this.finishWork(agentId, queueId));
    const surveyId = entry.surveyId ?? (await createSurveyForEntry(this.db, this.surveys, entry));
    await copyEventsToSurvey(this.db, entryId, surveyId);
    try {
      await smsCallbackLink({ db: this.db, sms: this.sms, invites: this.surveys }, entry, surveyId);
    } catch (err) {
      // The SMS provider failed: the agent still goes into the call (the waiting page, if
      // open, joins it too); the text is tried again by a persistent timer until it goes.
      this.log?.warn({ err, entryId, surveyId }, "sending the callback's link failed; retrying by timer");
      await scheduleTimer(this.db, "callback-link", entryId, new Date(this.now().getTime() + CALLBACK_SMS_RETRY_SEC * 1000));
    }
    return surveyId;
  }

  /**
   * A callback's SMS to retry: the timer is taken in its own transaction, and the
   * sending (which makes its own writes) runs after it. A crash in between leaves
   * the SMS to the start-up repair (repairAnswered), which looks for exactly that.
   */
  private async retryCallbackLink(t: { id: string; refId: string }, now: Date): Promise<boolean> {
    if (!(await this.transaction((tx) => takeTimer(tx, t.id, now)))) return false;
    await this.ensureSurvey(t.refId);
    return true;
  }

  /**
   * Answered entries whose survey was not made, or whose events did not all reach
   * its timeline (the server stopped between the answer and those steps): finished at start.
   */
  async repairAnswered(): Promise<number> {
    // A transfer never has a survey of its own (it carries one): it is repaired below, by its events, or never.
    const noSurvey = await this.db.queueEntry.findMany({ where: { status: "answered", surveyId: null, mode: { not: "transfer" } }, select: { id: true } });
    const uncopied = await this.db.queueEvent.findMany({ where: { surveyId: null, entryId: { not: null }, type: { not: "agent.state" } }, select: { entryId: true }, distinct: ["entryId"] });
    const answered = await this.db.queueEntry.findMany({ where: { id: { in: uncopied.map((e) => e.entryId!) }, status: "answered", surveyId: { not: null } }, select: { id: true } });
    // Transfers: an accepted one not handed over yet is handed over; any other's events reach its survey.
    const transfers = await this.db.queueEntry.findMany({ where: { id: { in: uncopied.map((e) => e.entryId!) }, mode: "transfer" }, select: { id: true, status: true, transferSurveyId: true } });
    for (const t of transfers) {
      if (t.status === "answered") answered.push({ id: t.id });
      else await copyEventsToSurvey(this.db, t.id, t.transferSurveyId!);
    }
    // Callbacks answered while their link could still be used, in case the SMS was not sent yet.
    const linkLife = new Date(this.now().getTime() - this.surveys.ttlHours * 3600_000);
    const callbacks = await this.db.queueEntry.findMany({ where: { status: "answered", mode: "callback", surveyId: { not: null }, answeredAt: { gte: linkLife } }, select: { id: true, surveyId: true } });
    const unsent: { id: string }[] = [];
    for (const c of callbacks) if (!(await linkAlreadySent(this.db, c.surveyId!))) unsent.push(c);
    const ids = [...new Set([...noSurvey, ...answered, ...unsent].map((r) => r.id))];
    for (const id of ids) await this.ensureSurvey(id);
    return ids.length;
  }

  /** The agent declines: the entry waits again (first in line as before) for another agent; the agent stays ready. */
  async decline(offerId: string, agentId: string): Promise<OfferMade[]> {
    const passed = await this.passOn(offerId, "declined", agentId);
    if (!passed) throw new QueueError("OFFER_GONE", "This offer is no longer open.");
    await this.copyTransferEvents(passed);
    return this.dispatch();
  }

  /** A transfer's events, written in a queue transaction, into its survey's timeline (after that transaction). */
  private async copyTransferEvents(entry: { entryId: string; transferSurveyId: string | null }) {
    if (entry.transferSurveyId) await copyEventsToSurvey(this.db, entry.entryId, entry.transferSurveyId);
  }

  /**
   * Declined or lapsed: offer closed, entry back to waiting with the agent in passedBy.
   * A transfer to a named agent instead ends "returned": the survey stays with its agent.
   */
  private async passOn(
    offerId: string,
    outcome: "declined" | "timedout",
    agentId: string | null,
    tx0?: Tx,
  ): Promise<false | { entryId: string; transferSurveyId: string | null }> {
    const now = this.now();
    const work = async (tx: Tx) => {
      const offer = await tx.queueOffer.findUnique({ where: { id: offerId } });
      if (!offer || (agentId !== null && offer.agentId !== agentId)) return false;
      const o = await tx.queueOffer.updateMany({ where: { id: offerId, status: "pending" }, data: { status: outcome, answeredAt: now } });
      if (o.count !== 1) return false;
      const entry = await tx.queueEntry.findUniqueOrThrow({ where: { id: offer.entryId } });
      const passedBy = [...new Set([...jsonList(entry.passedBy), offer.agentId])];
      const named = entry.mode === "transfer" && entry.transferToAgentId !== null;
      if (!named) await tx.queueEntry.updateMany({ where: { id: entry.id, status: "offered" }, data: { status: "waiting", passedBy: JSON.stringify(passedBy) } });
      // A non-responding agent is marked away, so drivers are not offered to an empty desk.
      const nextState = outcome === "timedout" ? "away" : "ready";
      await tx.queueAgent.updateMany({
        where: { userId: offer.agentId, state: "offered" },
        data: { state: nextState, stateSince: now, ...(nextState === "away" ? { readySince: null } : {}) },
      });
      await cancelTimers(tx, offerId, ["offer-timeout"]);
      await recordQueueEvent(tx, { type: outcome, at: now, entryId: entry.id, queueId: entry.queueId, agentId: offer.agentId, payload: { offerId } });
      if (outcome === "timedout") await recordQueueEvent(tx, { type: "agent.state", at: now, agentId: offer.agentId, payload: { state: "away", reason: "no-answer" } });
      if (named) await returnTransfer(tx, entry, outcome, now);
      return { entryId: entry.id, transferSurveyId: entry.transferSurveyId };
    };
    return tx0 ? work(tx0) : this.transaction(work);
  }

  /** The driver leaves (or the phone is gone past the grace period, see "dropped" in fire()). */
  async abandon(entryId: string, reason = "left"): Promise<boolean> {
    const now = this.now();
    const entry = await this.db.queueEntry.findUnique({ where: { id: entryId } });
    if (!entry) throw new QueueError("ENTRY_NOT_FOUND", "No such entry.");
    return this.transaction((tx) => this.abandonIn(tx, entry, reason, now));
  }

  private async abandonIn(tx: Tx, entry: { id: string; queueId: string; enteredAt: Date }, reason: string, now: Date): Promise<boolean> {
    const entryId = entry.id;
    const res = await tx.queueEntry.updateMany({ where: { id: entryId, status: { in: OPEN_STATUSES } }, data: { status: "abandoned", endedAt: now } });
    if (res.count !== 1) return false;
    // An offer ringing for this driver stops; the agent is ready again.
    const pending = await tx.queueOffer.findMany({ where: { entryId, status: "pending" } });
    for (const o of pending) {
      await tx.queueOffer.updateMany({ where: { id: o.id, status: "pending" }, data: { status: "withdrawn", answeredAt: now } });
      await tx.queueAgent.updateMany({ where: { userId: o.agentId, state: "offered" }, data: { state: "ready", stateSince: now } });
      await cancelTimers(tx, o.id, ["offer-timeout"]);
    }
    await cancelTimers(tx, entryId, ENTRY_TIMERS);
    await recordQueueEvent(tx, { type: "abandoned", at: now, entryId, queueId: entry.queueId, payload: { reason, waitedMs: now.getTime() - entry.enteredAt.getTime() } });
    return true;
  }

  /**
   * The waiting page polled: the driver is still there, so the "dropped" timer moves
   * to a full grace period from now. Only a live entry still in the queue is watched.
   */
  async heartbeat(entryId: string): Promise<void> {
    const now = this.now();
    const entry = await this.db.queueEntry.findUnique({ where: { id: entryId }, select: { queueId: true, status: true, mode: true } });
    if (!entry || entry.mode !== "live" || !OPEN_STATUSES.includes(entry.status)) return;
    const rules = await this.rulesOf(entry.queueId);
    // Answered or ended meanwhile: the timer written here fires into a closed entry and does nothing.
    await scheduleTimer(this.db, "dropped", entryId, new Date(now.getTime() + rules.droppedGraceSec * 1000));
  }

  /**
   * After this server starts, every waiting page gets a full grace period to reach
   * it again: the time the server was down is not the phone's fault, and a restart
   * loses nobody. (A second server starting only delays a drop by one grace period.)
   */
  async graceAfterStart(): Promise<number> {
    const now = this.now();
    const timers = await this.db.queueTimer.findMany({ where: { kind: "dropped" }, select: { refId: true } });
    if (timers.length === 0) return 0;
    const entries = await this.db.queueEntry.findMany({ where: { id: { in: timers.map((t) => t.refId) } }, select: { id: true, queueId: true } });
    const rules = await this.rulesByQueue();
    for (const e of entries) {
      const graceSec = (rules.get(e.queueId) ?? parseQueueRules("{}")).droppedGraceSec;
      await this.db.queueTimer.updateMany({ where: { kind: "dropped", refId: e.id }, data: { dueAt: new Date(now.getTime() + graceSec * 1000) } });
    }
    return entries.length;
  }

  /**
   * "Call me back": the live entry ends as abandoned-with-callback and a callback
   * entry with the same facts takes the queue (after the live drivers), for the next free agent.
   */
  async requestCallback(entryId: string): Promise<{ callbackEntryId: string; token: string }> {
    const entry = await this.db.queueEntry.findUnique({ where: { id: entryId } });
    if (!entry) throw new QueueError("ENTRY_NOT_FOUND", "No such entry.");
    if (!(await this.abandon(entryId, "callback"))) throw new QueueError("ENTRY_CLOSED", "This entry is no longer waiting.");
    // The token goes back to the waiting page, which then watches the callback entry and joins its call.
    const { entryId: callbackEntryId, token } = await this.enter({
      queueId: entry.queueId,
      claimType: entry.claimType,
      language: entry.language,
      mobile: entry.mobile,
      policyNumber: entry.policyNumber,
      plate: entry.plate,
      region: entry.region,
      policyholderName: entry.policyholderName,
      externalRef: entry.externalRef,
      vip: entry.vip,
      preferredAgentId: entry.preferredAgentId,
      mode: "callback",
    });
    return { callbackEntryId, token };
  }

  /** The agent's survey ended: wrap-up for the queue's time, then ready by timer. */
  async finishWork(agentId: string, queueId: string): Promise<void> {
    const now = this.now();
    const rules = await this.rulesOf(queueId);
    const finished = await this.transaction(async (tx) => {
      const res = await tx.queueAgent.updateMany({ where: { userId: agentId, state: "busy" }, data: { state: "wrapup", stateSince: now } });
      if (res.count !== 1) return false;
      await scheduleTimer(tx, "wrap-up", agentId, new Date(now.getTime() + rules.wrapUpSec * 1000));
      await recordQueueEvent(tx, { type: "agent.state", at: now, agentId, payload: { state: "wrapup" } });
      return true;
    });
    if (!finished) throw new QueueError("AGENT_BUSY", "This agent has no survey to finish.");
  }

  /**
   * A survey closed: if it came from the queue, its agent goes into wrap-up (and
   * ready again by the wrap-up timer). Anything else is not the queue's business.
   */
  async surveyEnded(surveyId: string): Promise<boolean> {
    // A transfer still under way ends with the survey: nobody is to be offered a closed survey.
    const open = await this.db.queueEntry.findMany({ where: { transferSurveyId: surveyId, status: { in: OPEN_TRANSFER } } });
    for (const t of open) {
      const now = this.now();
      if (await this.transaction((tx) => returnTransfer(tx, t, "survey-ended", now))) await copyEventsToSurvey(this.db, t.id, surveyId);
    }
    const entry = await currentQueueWork(this.db, surveyId);
    if (!entry?.assignedAgentId) return false;
    try {
      await this.finishWork(entry.assignedAgentId, entry.queueId);
      return true;
    } catch (err) {
      // Already out of "busy" (the agent went ready by hand after a restart): nothing to do.
      if (err instanceof QueueError && err.code === "AGENT_BUSY") return false;
      throw err;
    }
  }

  /** Fires every timer due by now (each in its own transaction, taken by deletion), then routes. */
  async runDueTimers(): Promise<{ fired: number; offers: OfferMade[] }> {
    const now = this.now();
    let fired = 0;
    for (;;) {
      const due = await dueTimers(this.db, now);
      if (due.length === 0) break;
      const touched: { entryId: string; transferSurveyId: string | null }[] = [];
      for (const t of due) if (await (t.kind === "callback-link" ? this.retryCallbackLink(t, now) : this.fire(t, now, touched))) fired++;
      for (const e of touched) await this.copyTransferEvents(e);
      if (due.length < 200) break;
    }
    const offers = await this.dispatch();
    return { fired, offers };
  }

  /** `touched`: transfers whose events must then reach their survey's timeline. */
  private async fire(t: { id: string; kind: string; refId: string }, now: Date, touched: { entryId: string; transferSurveyId: string | null }[]): Promise<boolean> {
    return this.transaction(async (tx) => {
      if (!(await takeTimer(tx, t.id, now))) return false;
      switch (t.kind) {
        case "offer-timeout": {
          const passed = await this.passOn(t.refId, "timedout", null, tx);
          if (passed && passed.transferSurveyId) touched.push(passed);
          break;
        }
        case "overflow": {
          const e = await tx.queueEntry.findUnique({ where: { id: t.refId } });
          if (!e || !OPEN_STATUSES.includes(e.status) || e.overflowed) break;
          const rules = parseQueueRules((await tx.queue.findUniqueOrThrow({ where: { id: e.queueId } })).rules);
          await tx.queueEntry.update({ where: { id: e.id }, data: { overflowed: true } });
          await recordQueueEvent(tx, { type: "overflowed", at: now, entryId: e.id, queueId: e.queueId, payload: { to: rules.overflowQueueId } });
          if (e.transferSurveyId) touched.push({ entryId: e.id, transferSurveyId: e.transferSurveyId });
          break;
        }
        case "max-wait": {
          const res = await tx.queueEntry.updateMany({ where: { id: t.refId, status: { in: OPEN_STATUSES }, mode: "live", callbackOffered: false }, data: { callbackOffered: true } });
          if (res.count === 1) {
            const e = await tx.queueEntry.findUniqueOrThrow({ where: { id: t.refId }, select: { queueId: true } });
            await recordQueueEvent(tx, { type: "callback.offered", at: now, entryId: t.refId, queueId: e.queueId });
          }
          break;
        }
        case "wrap-up": {
          const res = await tx.queueAgent.updateMany({ where: { userId: t.refId, state: "wrapup" }, data: { state: "ready", stateSince: now, readySince: now } });
          if (res.count === 1) await recordQueueEvent(tx, { type: "agent.state", at: now, agentId: t.refId, payload: { state: "ready", reason: "wrap-up-over" } });
          break;
        }
        case "dropped": {
          // The waiting page has not polled for the grace period: the driver's place is given up.
          const e = await tx.queueEntry.findUnique({ where: { id: t.refId }, select: { id: true, queueId: true, enteredAt: true, mode: true } });
          if (e?.mode === "live") await this.abandonIn(tx, e, "dropped", now);
          break;
        }
        default:
          // reroute: the reservation lapsed; routing after the timers takes care of it.
          break;
      }
      return true;
    });
  }

  /**
   * The survey's agent passes it on (server/queue/survey-transfer.ts): to a named,
   * ready agent the offer rings at once; to a group, routing offers it ahead of the drivers.
   */
  async transfer(surveyId: string, target: TransferTarget): Promise<{ entryId: string; offerId: string | null }> {
    const survey = await this.db.survey.findUnique({ where: { id: surveyId }, select: { agentId: true } });
    if (!survey?.agentId) throw new QueueError("TRANSFER_TARGET", "Only a survey with an agent can be passed on.");
    const facts = await transferFacts(this.db, surveyId, survey.agentId, target);
    const now = this.now();
    const written = await this.transaction(async (tx) => {
      // One transfer of a survey at a time: on PostgreSQL two requests at once queue on the survey's row
      // (the second then sees the first's entry); on SQLite the process's transactions run one by one.
      if (this.provider === "postgresql") await tx.$queryRawUnsafe(`SELECT "id" FROM "Survey" WHERE "id" = $1 FOR UPDATE`, surveyId);
      return writeTransfer(tx, facts, target, now);
    });
    if (written === "pending") throw new QueueError("TRANSFER_PENDING", "A transfer of this survey is already under way.");
    if (written === "not-ready") throw new QueueError("TRANSFER_NOT_READY", "That agent is not ready.");
    await copyEventsToSurvey(this.db, written.entryId, surveyId);
    if (!written.offerId) await this.dispatch();
    return written;
  }

  /** The agent takes back a transfer nobody has accepted yet; false when there was none under way. */
  async withdrawTransfer(surveyId: string, fromAgentId: string): Promise<boolean> {
    const t = await this.db.queueEntry.findFirst({ where: { transferSurveyId: surveyId, transferFromAgentId: fromAgentId, status: { in: OPEN_TRANSFER } } });
    if (!t) return false;
    const now = this.now();
    const done = await this.transaction((tx) => returnTransfer(tx, t, "withdrawn", now));
    if (done) await copyEventsToSurvey(this.db, t.id, surveyId);
    return done;
  }

  /** The latest transfer of this survey by this agent, for the notice on their console (null: none). */
  async transferStatus(surveyId: string, fromAgentId: string) {
    const t = await this.db.queueEntry.findFirst({ where: { transferSurveyId: surveyId, transferFromAgentId: fromAgentId }, orderBy: [{ enteredAt: "desc" }, { id: "desc" }] });
    if (!t) return null;
    const returned = t.status === "returned" ? await this.db.queueEvent.findFirst({ where: { entryId: t.id, type: "transfer.returned" }, select: { payload: true } }) : null;
    const reason = returned ? (JSON.parse(returned.payload) as { reason?: string }).reason ?? null : null;
    const agentId = t.assignedAgentId ?? t.transferToAgentId;
    const agent = agentId ? await this.db.user.findUnique({ where: { id: agentId }, select: { name: true } }) : null;
    const queue = await this.db.queue.findUnique({ where: { id: t.queueId }, select: { name: true, label: true } });
    return {
      entryId: t.id,
      status: t.status as "waiting" | "offered" | "answered" | "returned",
      reason,
      toAgentName: agent?.name ?? null,
      toQueue: t.transferToAgentId ? null : { name: queue?.name ?? "", label: queue ? (JSON.parse(queue.label) as Record<string, string>) : {} },
      at: t.enteredAt,
    };
  }

  /** What the waiting screen and the REST poll show. */
  async entryStatus(entryId: string) {
    const entry = await this.db.queueEntry.findUnique({ where: { id: entryId } });
    if (!entry) throw new QueueError("ENTRY_NOT_FOUND", "No such entry.");
    const base = {
      entryId: entry.id,
      queueId: entry.queueId,
      status: entry.status,
      mode: entry.mode,
      vip: entry.vip,
      enteredAt: entry.enteredAt,
      answeredAt: entry.answeredAt,
      endedAt: entry.endedAt,
      surveyId: entry.surveyId,
      callbackOffered: entry.callbackOffered,
      position: null as number | null,
      estimatedWaitSec: null as number | null,
    };
    if (!OPEN_STATUSES.includes(entry.status)) return base;
    const rules = await this.rulesByQueue();
    const waiting = await this.db.queueEntry.findMany({ where: { queueId: entry.queueId, status: { in: OPEN_STATUSES } }, select: entryFactsColumns });
    const position = queuePosition(entryFacts(entry), waiting.map(entryFacts), rules);
    const onDuty = (await this.db.queueAgent.findMany({ where: { state: { not: "away" } }, select: { queueIds: true, state: true } })).filter((a) => jsonList(a.queueIds).includes(entry.queueId));
    const readyAgents = onDuty.filter((a) => a.state === "ready").length;
    const estimatedWaitSec = estimateWaitSec({ position, readyAgents, occupiedAgents: onDuty.length - readyAgents, averageHandlingSec: await this.averageHandlingSec(entry.queueId) });
    return { ...base, position, estimatedWaitSec };
  }

  /** Recent average handling time (answer to wrap-up) in the queue, from the stored events (see wait-estimate.ts). */
  async averageHandlingSec(queueId: string): Promise<number> {
    const answered = await this.db.queueEvent.findMany({ where: { queueId, type: "answered" }, orderBy: { at: "desc" }, take: 50, select: { agentId: true, at: true } });
    if (answered.length === 0) return averageHandlingSec([], []);
    const ends = await this.db.queueEvent.findMany({
      where: { type: "agent.state", agentId: { in: [...new Set(answered.map((a) => a.agentId!))] }, at: { gte: answered.at(-1)!.at } },
      select: { agentId: true, at: true, payload: true },
    });
    const wrapUps = ends.filter((e) => e.payload.includes('"wrapup"')).map((e) => ({ agentId: e.agentId!, atMs: e.at.getTime() }));
    return averageHandlingSec(answered.map((a) => ({ agentId: a.agentId!, atMs: a.at.getTime() })), wrapUps);
  }
}
