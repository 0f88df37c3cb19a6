// The driver's statement and signature through the real tRPC router
// (createCaller) on both databases: the agent asks, the phone reads the text
// built from the recorded facts and signs (PNG + strokes), the agent and the
// field adjuster confirm; bad input is a 4xx with a code, a stale hash a 409,
// and a fact that changes after signing voids the signature's standing.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { pino } from "pino";
import sharp from "sharp";
import { TRPCError } from "@trpc/server";
import { appRouter } from "../../server/api/root";
import type { TrpcContext } from "../../server/api/trpc";
import type { AppContext } from "../../server/app-context";
import { seedDemoAccounts } from "../../server/db/seed-demo";
import { DomainError } from "../../server/domain/errors";
import { createClaimAndSurvey } from "../../server/domain/surveys";
import { OutboxSmsSender } from "../../server/sms/outbox-sms-sender";
import { statementSha256 } from "../../server/evidence/statement-text";
import { signatureSubmissionSchema } from "../../server/domain/statement-input";
import { describeIssues } from "../../server/i18n/validation-messages";
import { databaseKinds, freshDatabase, type TestDatabase } from "../support/databases";
import { acceptedCaptureRow, claimRequest } from "../support/claim-fixtures";

const log = pino({ level: "silent" });
const config = { publicUrl: "https://survey.example.com", ttlHours: 48 };

async function signaturePng(): Promise<string> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="160"><path d="M20 120 C 80 20, 140 20, 300 120" stroke="black" stroke-width="4" fill="none"/></svg>`;
  return (await sharp(Buffer.from(svg)).png().toBuffer()).toString("base64");
}
const strokes = [
  { pointerType: "touch" as const, points: [{ x: 20, y: 120, t: 0 }, { x: 80, y: 60, t: 16 }, { x: 140, y: 50, t: 33 }, { x: 300, y: 120, t: 50 }] },
  { pointerType: "touch" as const, points: [{ x: 40, y: 140, t: 400 }, { x: 200, y: 140, t: 450 }] },
];

test("a bad signature submission is described field by field in the caller's language", () => {
  const bad = signatureSubmissionSchema.safeParse({ locale: "zh-CN", statementSha256: "x", imagePngBase64: "A".repeat(800_000), width: 320, height: 160, strokes: [] });
  assert.equal(bad.success, false);
  const zh = describeIssues(bad.error!.issues, "zh-CN");
  const byField = Object.fromEntries(zh.fields.map((f) => [f.field, f.message]));
  assert.deepEqual(Object.keys(byField).sort(), ["imagePngBase64", "statementSha256", "strokes"]);
  assert.match(byField.imagePngBase64!, /^签名图像：/);
  assert.match(byField.strokes!, /^签名笔迹：/);
  assert.match(byField.statementSha256!, /^声明哈希：/);
  assert.ok(!/[A-Za-z]{4,}/.test(Object.values(byField).join(" ")), `no English in the zh-CN messages: ${Object.values(byField).join(" | ")}`);
  const en = describeIssues(bad.error!.issues, "en");
  assert.match(en.fields.find((f) => f.field === "imagePngBase64")!.message, /^Signature image: /);
});

for (const kind of databaseKinds) {
  describe(`statement and signature on ${kind}`, () => {
    let t: TestDatabase;
    let app: AppContext;
    before(async () => {
      t = await freshDatabase(kind);
      await seedDemoAccounts(t.db);
      app = { env: { PUBLIC_URL: "https://survey.example.com", INVITE_TTL_HOURS: 48 }, db: t.db, log } as unknown as AppContext;
    });
    after(async () => t?.drop());

    async function caller(who: { email?: string; inviteToken?: string }) {
      const user = who.email ? await t.db.user.findUniqueOrThrow({ where: { email: who.email } }) : null;
      const ctx = { app, user, sessionToken: undefined, inviteToken: who.inviteToken, locale: "en", setSessionCookie: () => undefined } as TrpcContext;
      return appRouter.createCaller(ctx);
    }
    const refused = (code: TRPCError["code"], domain?: string) => (e: unknown) =>
      e instanceof TRPCError && e.code === code && (!domain || (e.cause instanceof DomainError && e.cause.code === domain));

    async function surveyWithFacts() {
      const agent = await t.db.user.findUniqueOrThrow({ where: { email: "agent1@example.com" } });
      const s = await createClaimAndSurvey({ db: t.db, sms: new OutboxSmsSender(t.db), invites: config }, { request: claimRequest(), agentId: agent.id, actor: { id: agent.id, role: "agent" } });
      await t.db.survey.update({ where: { id: s.surveyId }, data: { status: "open", recordingConsent: "granted", recordingConsentAt: new Date("2026-12-03T02:00:00Z") } });
      await t.db.surveyEvent.create({ data: { surveyId: s.surveyId, seq: 100, type: "recording.consent", payload: JSON.stringify({ accepted: true, noticeVersion: "2026-11" }) } });
      const photo = (itemKey: string, sha: string) => acceptedCaptureRow(t.db, s.surveyId, itemKey, sha);
      await photo("plate", "a".repeat(64));
      return {
        ...s,
        photo,
        agent: await caller({ email: "agent1@example.com" }),
        phone: await caller({ inviteToken: s.invites.policyholder.token }),
        adjuster: await caller({ inviteToken: s.invites.adjuster.token }),
      };
    }

    test("the agent asks, the phone reads the facts and signs, agent and adjuster confirm: three events with the hashes", async () => {
      const s = await surveyWithFacts();
      const before = await s.phone.statement.mine({ locale: "zh-CN" });
      assert.equal(before.requested, false);
      const png = await signaturePng();
      const submission = { locale: "zh-CN" as const, statementSha256: before.statement.sha256, imagePngBase64: png, width: 320, height: 160, strokes };
      await assert.rejects(s.phone.statement.sign(submission), refused("CONFLICT", "STATEMENT_NOT_REQUESTED"));
      await assert.rejects(s.phone.statement.request({ surveyId: s.surveyId }), refused("FORBIDDEN"), "the phone cannot ask for its own statement");

      await s.agent.statement.request({ surveyId: s.surveyId });
      const zh = await s.phone.statement.mine({ locale: "zh-CN" });
      assert.equal(zh.requested, true);
      assert.equal(zh.statement.sha256, statementSha256(zh.statement.text), "the hash is the text's own");
      assert.equal((await s.phone.statement.mine({ locale: "zh-CN" })).statement.sha256, zh.statement.sha256, "the same facts give the same hash");
      for (const fact of ["被保险驾驶人声明", "沪A·12345", "张伟", "2026-11-21 08:30:00 (UTC+08:00)", "上海市浦东新区世纪大道100号", "a".repeat(64), "同意", "2026-11", "2026-12-03 10:00:00 (UTC+08:00)"]) {
        assert.ok(zh.statement.text.includes(fact), `the zh-CN statement states ${fact}`);
      }
      const en = await s.phone.statement.mine({ locale: "en" });
      assert.ok(en.statement.text.startsWith("Statement of the insured driver"));
      assert.ok(en.statement.text.includes("2026-11-21 00:30:00 UTC") && en.statement.text.includes("I agreed to the recording"));
      assert.notEqual(en.statement.sha256, zh.statement.sha256);

      // Bad input: 400 with a code or field, never a 500.
      await assert.rejects(s.phone.statement.sign({ ...submission, imagePngBase64: "not base64!" }), refused("BAD_REQUEST"));
      await assert.rejects(s.phone.statement.sign({ ...submission, imagePngBase64: Buffer.from("GIF89a not a png").toString("base64") }), refused("BAD_REQUEST", "SIGNATURE_INVALID"));
      await assert.rejects(s.phone.statement.sign({ ...submission, imagePngBase64: "A".repeat(800_000) }), refused("BAD_REQUEST"));
      await assert.rejects(s.phone.statement.sign({ ...submission, strokes: [] }), refused("BAD_REQUEST"));
      await assert.rejects(s.phone.statement.sign({ ...submission, strokes: [{ pointerType: "stylus" as "pen", points: [{ x: 1, y: 1, t: 0 }] }] }), refused("BAD_REQUEST"));
      await assert.rejects(s.adjuster.statement.sign(submission), refused("FORBIDDEN"), "only the driver signs");
      // A hash of another text (the English one) is "changed", 409.
      await assert.rejects(s.phone.statement.sign({ ...submission, statementSha256: en.statement.sha256 }), refused("CONFLICT", "STATEMENT_CHANGED"));

      await assert.rejects(s.agent.statement.confirm({ surveyId: s.surveyId, statementSha256: zh.statement.sha256 }), refused("CONFLICT", "STATEMENT_NOT_SIGNED"));
      const signed = await s.phone.statement.sign(submission);
      assert.equal(signed.statementSha256, zh.statement.sha256);
      assert.equal(signed.imageSha256, createHash("sha256").update(Buffer.from(png, "base64")).digest("hex"));
      const row = await t.db.statementSignature.findFirstOrThrow({ where: { surveyId: s.surveyId } });
      assert.equal(row.statementText, zh.statement.text);
      assert.equal(JSON.parse(row.strokes).strokes[1].points[1].t, 450, "stroke timing is kept");

      // Staff read the signed text in its language whatever they ask for.
      const staffView = await s.agent.statement.status({ surveyId: s.surveyId, locale: "en" });
      assert.equal(staffView.statement.sha256, zh.statement.sha256);
      assert.equal(staffView.signature?.current, true);
      await assert.rejects(s.agent.statement.confirm({ surveyId: s.surveyId, statementSha256: en.statement.sha256 }), refused("CONFLICT", "STATEMENT_CHANGED"));
      await s.agent.statement.confirm({ surveyId: s.surveyId, statementSha256: zh.statement.sha256 });
      await assert.rejects(s.phone.statement.confirmAsAdjuster({ statementSha256: zh.statement.sha256 }), refused("FORBIDDEN"));
      await s.adjuster.statement.confirmAsAdjuster({ statementSha256: zh.statement.sha256 });
      const done = await s.adjuster.statement.mine({ locale: "en" });
      assert.ok(done.confirmations.agent && done.confirmations.adjuster);

      const events = await t.db.surveyEvent.findMany({ where: { surveyId: s.surveyId, type: { startsWith: "statement." } }, orderBy: { seq: "asc" } });
      assert.deepEqual(events.map((e) => e.type), ["statement.requested", "statement.signed", "statement.confirmed", "statement.confirmed"]);
      const signedPayload = JSON.parse(events[1]!.payload);
      assert.equal(signedPayload.statementSha256, zh.statement.sha256);
      assert.equal(signedPayload.imageSha256, signed.imageSha256);
      assert.equal(signedPayload.signedAt, signed.signedAt.toISOString());
      assert.deepEqual(events.slice(2).map((e) => [JSON.parse(e.payload).role, JSON.parse(e.payload).statementSha256]), [["agent", zh.statement.sha256], ["adjuster", zh.statement.sha256]]);

      // A photo taken after signing changes the statement: the signature no longer stands, confirming is refused.
      await s.photo("damage_front", "b".repeat(64));
      const changed = await s.agent.statement.status({ surveyId: s.surveyId, locale: "zh-CN" });
      assert.notEqual(changed.statement.sha256, zh.statement.sha256);
      assert.equal(changed.signature?.current, false);
      assert.equal(changed.confirmations.agent, null);
      await assert.rejects(s.agent.statement.confirm({ surveyId: s.surveyId, statementSha256: changed.statement.sha256 }), refused("CONFLICT", "STATEMENT_NOT_SIGNED"));
      await assert.rejects(s.phone.statement.sign(submission), refused("CONFLICT", "STATEMENT_CHANGED"), "the old text's hash is refused");
      await s.phone.statement.sign({ ...submission, statementSha256: changed.statement.sha256 });
      assert.equal((await s.agent.statement.status({ surveyId: s.surveyId, locale: "zh-CN" })).signature?.current, true);
    });
  });
}
