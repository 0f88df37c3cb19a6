// Every role against every procedure it must not reach, through the real tRPC
// router (createCaller) on both databases.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { TRPCError } from "@trpc/server";
import { databaseKinds, freshDatabase, type TestDatabase } from "../support/databases";
import { appRouter } from "../../server/api/root";
import type { TrpcContext } from "../../server/api/trpc";
import type { AppContext } from "../../server/app-context";
import { seedDemoAccounts } from "../../server/db/seed-demo";
import { OutboxSmsSender } from "../../server/sms/outbox-sms-sender";
import { SurveyHub } from "../../server/signalling/survey-hub";
import { claimRequest } from "../support/claim-fixtures";
import type { RoomRegistry } from "../../media/room-registry";
import { CaptureService } from "../../server/capture/capture-service";
import type { PhotoGate } from "../../server/capture/photo-gate";

const log = pino({ level: "silent" });

for (const kind of databaseKinds) {
  describe(`access control on ${kind}`, () => {
    let t: TestDatabase;
    let app: AppContext;
    before(async () => {
      t = await freshDatabase(kind);
      await seedDemoAccounts(t.db);
      // No media is touched by these procedures; the hub only counts sockets.
      const rooms = { close: () => undefined } as unknown as RoomRegistry;
      app = {
        env: { PUBLIC_URL: "https://survey.example.com", INVITE_TTL_HOURS: 48, SESSION_TTL_HOURS: 1 } as AppContext["env"],
        db: t.db,
        log,
        sms: new OutboxSmsSender(t.db),
        pool: null as unknown as AppContext["pool"],
        rooms,
        hub: new SurveyHub(t.db, rooms, log),
        recording: null as unknown as AppContext["recording"],
        captures: new CaptureService(t.db, null as unknown as AppContext["storage"], null as unknown as PhotoGate, rooms, log, mkdtempSync(path.join(os.tmpdir(), "cs-uploads-"))),
        storage: null as unknown as AppContext["storage"],
        evidence: null as unknown as AppContext["evidence"],
        runtimeNeeds: null as unknown as AppContext["runtimeNeeds"],
        queue: null as unknown as AppContext["queue"],
      };
    });
    after(() => t.drop());

    async function callerFor(email: string | null, inviteToken?: string) {
      const user = email ? await t.db.user.findUniqueOrThrow({ where: { email } }) : null;
      const ctx: TrpcContext = { app, user, sessionToken: undefined, inviteToken, setSessionCookie: () => undefined };
      return appRouter.createCaller(ctx);
    }
    const code = (c: TRPCError["code"]) => (e: unknown) => e instanceof TRPCError && e.code === c;

    test("anonymous callers get UNAUTHORIZED; wrong roles get FORBIDDEN", async () => {
      const anon = await callerFor(null);
      await assert.rejects(anon.surveys.list(), code("UNAUTHORIZED"));
      await assert.rejects(anon.auth.me(), code("UNAUTHORIZED"));
      await assert.rejects(anon.join.chatHistory(), code("UNAUTHORIZED"));
      for (const email of ["auditor@example.com", "adjuster@example.com"]) {
        const c = await callerFor(email);
        await assert.rejects(c.surveys.create(claimRequest()), code("FORBIDDEN"), email);
        await assert.rejects(c.surveys.list(), code("FORBIDDEN"), email);
        await assert.rejects(c.outbox.list(), code("FORBIDDEN"), email);
      }
    });

    test("an agent cannot read, reissue, or end another agent's survey; an admin can read it", async () => {
      const agent1 = await callerFor("agent1@example.com");
      const agent2 = await callerFor("agent2@example.com");
      const created = await agent1.surveys.create(claimRequest());
      await assert.rejects(agent2.surveys.get({ surveyId: created.surveyId }), code("FORBIDDEN"));
      await assert.rejects(agent2.surveys.timeline({ surveyId: created.surveyId }), code("FORBIDDEN"));
      await assert.rejects(agent2.chat.history({ surveyId: created.surveyId }), code("FORBIDDEN"));
      await assert.rejects(agent2.surveys.reissueInvite({ surveyId: created.surveyId, role: "adjuster" }), code("FORBIDDEN"));
      await assert.rejects(agent2.surveys.end({ surveyId: created.surveyId }), code("FORBIDDEN"));
      assert.ok(!(await agent2.surveys.list()).some((s) => s.id === created.surveyId));
      assert.equal((await (await callerFor("admin@example.com")).surveys.get({ surveyId: created.surveyId })).id, created.surveyId);
      await assert.rejects(agent1.surveys.get({ surveyId: "does-not-exist" }), code("NOT_FOUND"));
    });

    test("an invitee sees only their own survey's chat; a dead link reaches nothing", async () => {
      const agent1 = await callerFor("agent1@example.com");
      const a = await agent1.surveys.create(claimRequest({ plate: "沪A·AAAAA" }));
      const b = await agent1.surveys.create(claimRequest({ plate: "沪B·BBBBB" }));
      const tokenA = a.links.policyholder.url.split("/").pop()!;
      const tokenB = b.links.policyholder.url.split("/").pop()!;
      const invA = await callerFor(null, tokenA);
      const resolvedA = await invA.join.resolve({ token: tokenA });
      assert.equal(resolvedA.plate, "沪A·AAAAA");
      const participantB = await (await callerFor(null, tokenB)).join.chatHistory();
      assert.deepEqual(participantB, []);
      await agent1.surveys.end({ surveyId: a.surveyId, withoutStatement: { reason: "driver_left" } });
      await assert.rejects(invA.join.chatHistory(), code("PRECONDITION_FAILED"));
      await assert.rejects(invA.join.resolve({ token: tokenA }), code("PRECONDITION_FAILED"));
      await assert.rejects((await callerFor(null, "x".repeat(32))).join.chatHistory(), code("NOT_FOUND"));
    });

    test("login sets a session for the right password only", async () => {
      const anon = await callerFor(null);
      await assert.rejects(anon.auth.login({ email: "agent1@example.com", password: "wrong" }), code("UNAUTHORIZED"));
      await assert.rejects(anon.auth.login({ email: "nobody@example.com", password: "agent-demo-2026" }), code("UNAUTHORIZED"));
      const me = await anon.auth.login({ email: "AGENT1@example.com", password: "agent-demo-2026" });
      assert.equal(me.role, "agent");
      await assert.rejects(anon.auth.login({ email: "not-an-email", password: "x" }), code("BAD_REQUEST"));
    });
  });
}
