// The live side of surveys: which signalling connections belong to which
// survey, and ending a survey everywhere at once (database, media, sockets).
import type { Logger } from "pino";
import type { WebSocket } from "ws";
import type { Db } from "../db/client";
import { closeSurvey, type Actor } from "../domain/surveys";
import type { EndWithoutStatement } from "../domain/statement-end-rule";
import type { RoomRegistry } from "../../media/room-registry";
import { closeCodes, LINK_EXPIRED, LINK_WITHDRAWN, WITHDRAWN_CLOSE_REASON } from "../signalling/close-codes";

const BEFORE_TEARDOWN_MAX_MS = 8000;
// setTimeout holds at most ~24.8 days; a later expiry is reached in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;

export class SurveyHub {
  private readonly sockets = new Map<string, Set<WebSocket>>();
  /** The link each connection came with (staff connections have none). */
  private readonly inviteOf = new WeakMap<WebSocket, string>();

  constructor(
    private readonly db: Db,
    private readonly rooms: RoomRegistry,
    private readonly log: Logger,
    /** Called once a survey is closed and its media torn down (the evidence package is built from here). */
    private readonly options: {
      onClosed?: (surveyId: string) => void;
      /** Runs while media still flows (recordings stop cleanly, last cluster written); capped in time. */
      beforeTeardown?: (surveyId: string) => Promise<void>;
    } = {},
  ) {}

  attach(surveyId: string, ws: WebSocket, inviteId: string | null = null) {
    if (inviteId) this.inviteOf.set(ws, inviteId);
    let set = this.sockets.get(surveyId);
    if (!set) this.sockets.set(surveyId, (set = new Set()));
    set.add(ws);
    ws.once("close", () => {
      set.delete(ws);
      if (set.size === 0 && this.sockets.get(surveyId) === set) this.sockets.delete(surveyId);
    });
  }

  connectionCount(surveyId: string): number {
    return this.sockets.get(surveyId)?.size ?? 0;
  }

  /** Ends the survey: the record first (links stop working), then media and connections. */
  async endSurvey(surveyId: string, actor: Actor, reason = "ended_by_agent", withoutStatement?: EndWithoutStatement) {
    await closeSurvey(this.db, { surveyId, actor, reason, withoutStatement });
    if (this.options.beforeTeardown) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.options.beforeTeardown(surveyId).catch((err) => this.log.error({ err, surveyId }, "before-teardown step failed")),
        new Promise((resolve) => (timer = setTimeout(resolve, BEFORE_TEARDOWN_MAX_MS))),
      ]);
      clearTimeout(timer);
    }
    this.teardown(surveyId, actor.role);
    try {
      this.options.onClosed?.(surveyId);
    } catch (err) {
      this.log.error({ err, surveyId }, "onClosed hook failed");
    }
  }

  /** Drops whoever is in the call through these links: a withdrawn link stops working at once, not at the next join. */
  async dropInviteHolders(surveyId: string, inviteIds: string[]) {
    if (inviteIds.length === 0) return;
    const room = this.rooms.get(surveyId);
    const holders = await this.db.participant.findMany({ where: { surveyId, inviteId: { in: inviteIds } }, select: { id: true } });
    const inCall = room ? holders.filter((p) => room.hasPeer(p.id)).map((p) => p.id) : [];
    // Also connections with the link that are not in the call (yet): a page
    // getting ready to join would otherwise join after the withdrawal.
    const open = [...(this.sockets.get(surveyId) ?? [])].filter((ws) => inviteIds.includes(this.inviteOf.get(ws) ?? ""));
    // Logged because a holder who stays in the call after a withdrawal is a security fault worth tracing.
    this.log.info({ surveyId, inviteIds, holders: holders.length, inCall, connections: open.length }, "invite link withdrawn; dropping its holders");
    for (const p of holders) room?.removePeer(p.id, LINK_WITHDRAWN);
    for (const ws of open) if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(closeCodes.gone, WITHDRAWN_CLOSE_REASON);
  }

  /**
   * Drops this connection's participant when their link expires, as a withdrawn
   * link's holder is dropped: an expired link must not keep an open call.
   */
  dropAtExpiry(surveyId: string, participantId: string, expiresAt: Date, ws: WebSocket) {
    let timer: NodeJS.Timeout;
    const arm = () => {
      const left = expiresAt.getTime() - Date.now();
      timer = setTimeout(
        () => {
          if (expiresAt.getTime() > Date.now()) return arm();
          this.log.info({ surveyId, participantId }, "invite link expired; dropping its connection");
          const room = this.rooms.get(surveyId);
          if (room) room.removePeer(participantId, LINK_EXPIRED);
          // Also when the peer is already gone from the room (between connect and join).
          if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(closeCodes.gone, LINK_EXPIRED);
        },
        Math.max(0, Math.min(left, MAX_TIMER_MS)),
      );
    };
    arm();
    ws.once("close", () => clearTimeout(timer));
  }

  teardown(surveyId: string, by: string) {
    const notice = JSON.stringify({ notification: "surveyEnded", data: { by } });
    const sockets = [...(this.sockets.get(surveyId) ?? [])];
    for (const ws of sockets) {
      if (ws.readyState === ws.OPEN) ws.send(notice);
    }
    this.rooms.close(surveyId, "survey-ended");
    for (const ws of sockets) ws.close(closeCodes.surveyEnded, "survey ended");
    this.log.info({ surveyId, connections: sockets.length }, "survey ended");
  }
}
