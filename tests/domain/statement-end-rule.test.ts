// "A survey cannot end without the driver's signed statement" through the real
// tRPC router (createCaller) and the real hub on both databases: ending
// without it is refused (409, STATEMENT_REQUIRED, said in the caller's
// language) until the agent gives a reason, which goes on the timeline; a
// signature of the statement as it stands needs no reason, one the facts
// outgrew does. The signature's position (or why there is none) is stored
// and on the timeline; a position off the globe is a 400.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { pino } from "pino";
import sharp from "sharp";
import { TRPCError } from "@trpc/server";
import { getErrorShape } from "@trpc/server/unstable-core-do-not-import";
import { appRouter } from "../../server/api/root";
import type { TrpcContext } from "../../server/api/trpc";
import type { AppContext } from "../../server/app-context";
import { seedDemoAccounts } from "../../server/db/seed-demo";
import { DomainError } from "../../server/domain/errors";
import { closeSurvey, createClaimAndSurvey } from "../../server/domain/surveys";
import { SurveyHub } from "../../server/signalling/survey-hub";
import { OutboxSmsSender } from "../../server/sms/outbox-sms-sender";
import { translate } from "../../server/i18n/translate";
import type { RoomRegistry } from "../../media/room-registry";
import { databaseKinds, freshDatabase, type TestDatabase } from "../support/databases";
import { acceptedCaptureRow, claimRequest } from "../support/claim-fixtures";

const log = pino({ level: "silent" });
const config = { publicUrl: "https://survey.example.com", ttlHours: 48 };
const strokes = [{ pointerType: "touch" as const, points: [{ x: 20, y: 120, t: 0 }, { x: 80, y: 60, t: 16 }, { x: 300, y: 120, t: 50 }] }];

for (const kind of databaseKinds) {
  describe(`ending a survey needs the signed statement or a reason, on ${kind}`, () => {
    let t: TestDatabase;
    let app: AppContext;
    let png: string;
    before(async () => {
      t = await freshDatabase(kind);
      await seedDemoAccounts(t.db);
      const rooms = { close: () => undefined, get: () => undefined } as unknown as RoomRegistry;
      app = { env: { PUBLIC_URL: "https://survey.example.com", INVITE_TTL_HOURS: 48 }, db: t.db, log, rooms, hub: new SurveyHub(t.db, rooms, log) } as unknown as AppContext;
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="160"><path d="M20 120 C 80 20, 140 20, 300 120" stroke="black" stroke-width="4" fill="none"/></svg>`;
      png = (await sharp(Buffer.from(svg)).png().toBuffer()).toString("base64");
    });
    after(async () => t?.drop());

    async function caller(who: { email?: string; inviteToken?: string }, locale: "en" | "zh-CN" = "en") {
      const user = who.email ? await t.db.user.findUniqueOrThrow({ where: { email: who.email } }) : null;
      const ctx = { app, user, sessionToken: undefined, inviteToken: who.inviteToken, locale, setSessionCookie: () => undefined } as TrpcContext;
      return appRouter.createCaller(ctx);
    }
    /** What the page gets over HTTP: the router's own error formatter in the caller's language. */
    const shown = (e: TRPCError, locale: "en" | "zh-CN") =>
      getErrorShape({ config: appRouter._def._config, error: e, type: "mutation", path: "surveys.end", input: undefined, ctx: { locale } as TrpcContext }) as { message: string; data: { httpStatus: number; domainCode: string | null; fieldErrors: Record<string, string[]> | null } };
    const refused = (code: TRPCError["code"], domain?: string, message?: { locale: "en" | "zh-CN"; text: string }) => (e: unknown) =>
      e instanceof TRPCError && e.code === code && (!domain || (e.cause instanceof DomainError && e.cause.code === domain)) && (!message || shown(e, message.locale).message === message.text);

    async function openSurvey() {
      const agent = await t.db.user.findUniqueOrThrow({ where: { email: "agent1@example.com" } });
      const s = await createClaimAndSurvey({ db: t.db, sms: new OutboxSmsSender(t.db), invites: config }, { request: claimRequest(), agentId: agent.id, actor: { id: agent.id, role: "agent" } });
      await t.db.survey.update({ where: { id: s.surveyId }, data: { status: "open" } });
      const photo = (itemKey: string, sha: string) => acceptedCaptureRow(t.db, s.surveyId, itemKey, sha);
      await photo("plate", "a".repeat(64));
      return { ...s, agentId: agent.id, photo, agent: await caller({ email: "agent1@example.com" }), agentZh: await caller({ email: "agent1@example.com" }, "zh-CN"), phone: await caller({ inviteToken: s.invites.policyholder.token }) };
    }

    async function sign(s: Awaited<ReturnType<typeof openSurvey>>, place?: unknown) {
      const { statement } = await s.phone.statement.mine({ locale: "zh-CN" });
      return s.phone.statement.sign({ locale: "zh-CN", statementSha256: statement.sha256, imagePngBase64: png, width: 320, height: 160, strokes, ...(place ? { place: place as never } : {}) });
    }

    test("refused without the statement, in the caller's language; allowed with a reason, which is on the timeline", async () => {
      const s = await openSurvey();
      await assert.rejects(s.agent.surveys.end({ surveyId: s.surveyId }), refused("CONFLICT", "STATEMENT_REQUIRED", { locale: "en", text: translate("en", "error.STATEMENT_REQUIRED") }));
      const zh = await s.agentZh.surveys.end({ surveyId: s.surveyId }).then(() => null, (e: TRPCError) => shown(e, "zh-CN"));
      assert.equal(zh?.data.httpStatus, 409);
      assert.equal(zh?.data.domainCode, "STATEMENT_REQUIRED");
      assert.match(zh!.message, /^驾驶人尚未签署当前的声明/);
      // The domain path itself, not only the router, holds the rule.
      await assert.rejects(closeSurvey(t.db, { surveyId: s.surveyId, actor: { id: s.agentId, role: "agent" } }), (e: unknown) => e instanceof DomainError && e.code === "STATEMENT_REQUIRED");
      // "Another reason" must say which; an unknown reason is not one.
      const noNote = await s.agentZh.surveys.end({ surveyId: s.surveyId, withoutStatement: { reason: "other" } }).then(() => null, (e: TRPCError) => shown(e, "zh-CN"));
      assert.equal(noNote?.data.httpStatus, 400);
      assert.ok(noNote?.data.fieldErrors?.withoutStatement?.some((m) => /必填|不能为空/.test(m)), JSON.stringify(noNote));
      await assert.rejects(s.agent.surveys.end({ surveyId: s.surveyId, withoutStatement: { reason: "bored" as "other" } }), refused("BAD_REQUEST"));
      assert.equal((await t.db.survey.findUniqueOrThrow({ where: { id: s.surveyId } })).status, "open", "nothing ended on a refusal");

      await s.agent.surveys.end({ surveyId: s.surveyId, withoutStatement: { reason: "driver_left", note: "电话已挂断" } });
      const survey = await t.db.survey.findUniqueOrThrow({ where: { id: s.surveyId } });
      assert.equal(survey.status, "closed");
      const tail = await t.db.surveyEvent.findMany({ where: { surveyId: s.surveyId }, orderBy: { seq: "desc" }, take: 2 });
      assert.deepEqual(tail.map((e) => e.type).reverse(), ["statement.waived", "survey.closed"]);
      assert.deepEqual(JSON.parse(tail[1]!.payload), { reason: "driver_left", note: "电话已挂断" });
      assert.equal(tail[1]!.actorRole, "agent");
      assert.equal(JSON.parse(tail[0]!.payload).withoutStatement, "driver_left");
      await assert.rejects(s.agent.surveys.end({ surveyId: s.surveyId, withoutStatement: { reason: "driver_left" } }), refused("PRECONDITION_FAILED", "SURVEY_CLOSED"));
    });

    test("a signature of the statement as it stands ends without a reason; one the facts outgrew does not", async () => {
      const s = await openSurvey();
      await s.agent.statement.request({ surveyId: s.surveyId });
      const at = "2026-12-03T02:10:00.000Z";
      await sign(s, { status: "fix", lat: 31.2304, lon: 121.4737, accuracyM: 12, at });
      const row = await t.db.statementSignature.findFirstOrThrow({ where: { surveyId: s.surveyId } });
      assert.deepEqual([row.placeStatus, row.placeLat, row.placeLon, row.placeAccuracy, row.placeAt?.toISOString()], ["fix", 31.2304, 121.4737, 12, at]);
      const signedEvent = await t.db.surveyEvent.findFirstOrThrow({ where: { surveyId: s.surveyId, type: "statement.signed" } });
      assert.deepEqual(JSON.parse(signedEvent.payload).place, { status: "fix", lat: 31.2304, lon: 121.4737, accuracyM: 12, at });

      // A photo after signing: the signature no longer covers the statement.
      await s.photo("damage_front", "b".repeat(64));
      await assert.rejects(s.agent.surveys.end({ surveyId: s.surveyId }), refused("CONFLICT", "STATEMENT_REQUIRED"));
      // Signed again (position refused this time, and recorded so): the survey ends, with no waiver.
      await sign(s, { status: "refused" });
      const latest = await t.db.statementSignature.findFirstOrThrow({ where: { surveyId: s.surveyId }, orderBy: { signedAt: "desc" } });
      assert.equal(latest.placeStatus, "refused");
      assert.equal(latest.placeLat, null);
      await s.agent.surveys.end({ surveyId: s.surveyId });
      assert.equal(await t.db.surveyEvent.count({ where: { surveyId: s.surveyId, type: "statement.waived" } }), 0);
      const closed = await t.db.surveyEvent.findFirstOrThrow({ where: { surveyId: s.surveyId, type: "survey.closed" } });
      assert.deepEqual(JSON.parse(closed.payload), { reason: "ended_by_agent" });
    });

    test("a position off the globe, or a fix without its time, is a 400", async () => {
      const s = await openSurvey();
      await s.agent.statement.request({ surveyId: s.surveyId });
      await assert.rejects(sign(s, { status: "fix", lat: 200, lon: 0, accuracyM: 5, at: "2026-12-03T02:10:00Z" }), refused("BAD_REQUEST"));
      await assert.rejects(sign(s, { status: "fix", lat: 31, lon: 121, accuracyM: 5 }), refused("BAD_REQUEST"));
      await assert.rejects(sign(s, { status: "maybe" }), refused("BAD_REQUEST"));
      assert.equal(await t.db.statementSignature.count({ where: { surveyId: s.surveyId } }), 0);
    });
  });
}
