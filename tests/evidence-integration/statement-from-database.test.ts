// The driver's signed statement from a real database (SQLite and PostgreSQL)
// into a real signed package: signed and confirmed through the product's
// procedures (createCaller) while the survey is open, mapped by the evidence
// input, built by the evidence service, and verified offline: the text in the
// package is the one signed, byte for byte, and the verifier says it matches.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import sharp from "sharp";
import { appRouter } from "../../server/api/root";
import type { TrpcContext } from "../../server/api/trpc";
import type { AppContext } from "../../server/app-context";
import { EvidenceService } from "../../server/archive/evidence-service";
import { verifyEvidencePackage } from "../../server/evidence/verify-package";
import { databaseKinds, freshDatabase, type TestDatabase } from "../support/databases";
import { testEvidenceService } from "./test-evidence-service";
import { closedSurvey, workspace, type Workspace } from "./closed-survey";

const log = pino({ level: "silent" });

for (const kind of databaseKinds) {
  describe(`the signed statement from the database on ${kind}`, () => {
    let t: TestDatabase;
    let ws: Workspace;
    let service: EvidenceService;
    before(async () => {
      t = await freshDatabase(kind);
      ws = workspace();
      service = testEvidenceService({ db: t.db, log, storage: ws.storage, dataDir: ws.dataDir }, { recording: { finalise: async () => undefined }, progressIntervalMs: 0 });
    });
    after(async () => {
      service.close();
      await t.drop();
      await ws.remove();
    });

    test("signed on the phone, confirmed by agent and adjuster, carried into the package and verified", async () => {
      const app = { env: { PUBLIC_URL: "https://survey.example.com", INVITE_TTL_HOURS: 48 }, db: t.db, log } as unknown as AppContext;
      const caller = async (who: { email?: string; inviteToken?: string }) => {
        const user = who.email ? await t.db.user.findUniqueOrThrow({ where: { email: who.email } }) : null;
        return appRouter.createCaller({ app, user, sessionToken: undefined, inviteToken: who.inviteToken, locale: "zh-CN", setSessionCookie: () => undefined } as TrpcContext);
      };
      const png = await sharp({ create: { width: 300, height: 150, channels: 3, background: "#ffffff" } })
        .composite([{ input: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="150"><path d="M10 100 Q 150 0 290 100" stroke="black" stroke-width="3" fill="none"/></svg>') }])
        .png()
        .toBuffer();
      let signed: { text: string; sha256: string } | undefined;
      const s = await closedSurvey(t.db, ws.storage, {
        beforeClose: async ({ surveyId, policyholderToken, adjusterToken }) => {
          const agent = await caller({ email: "agent1@example.com" });
          const phone = await caller({ inviteToken: policyholderToken });
          await agent.statement.request({ surveyId });
          const mine = await phone.statement.mine({ locale: "zh-CN" });
          signed = { text: mine.statement.text, sha256: mine.statement.sha256 };
          await phone.statement.sign({
            locale: "zh-CN",
            statementSha256: mine.statement.sha256,
            imagePngBase64: png.toString("base64"),
            width: 300,
            height: 150,
            strokes: [{ pointerType: "touch", points: [{ x: 10, y: 100, t: 0 }, { x: 150, y: 50, t: 200 }, { x: 290, y: 100, t: 420 }] }],
          });
          await agent.statement.confirm({ surveyId, statementSha256: mine.statement.sha256 });
          await (await caller({ inviteToken: adjusterToken })).statement.confirmAsAdjuster({ statementSha256: mine.statement.sha256 });
        },
      });
      assert.ok(signed);
      assert.ok(signed.text.includes("反光") === false && signed.text.includes("坐席人工通过"), "the overridden photo is stated as accepted by the agent");

      await service.build(s.surveyId);
      const row = await t.db.evidencePackage.findUniqueOrThrow({ where: { surveyId: s.surveyId } });
      assert.equal(row.status, "ready", row.error ?? "");
      const dir = row.storagePath!;
      assert.equal(await fs.readFile(path.join(dir, "statement/statement.txt"), "utf8"), signed.text, "the package holds the text signed, byte for byte");
      assert.ok((await fs.readFile(path.join(dir, "statement/signature.png"))).equals(png));
      const strokes = JSON.parse(await fs.readFile(path.join(dir, "statement/strokes.json"), "utf8"));
      assert.deepEqual(strokes.strokes[0].points.map((p: { t: number }) => p.t), [0, 200, 420]);
      const record = JSON.parse(await fs.readFile(path.join(dir, "statement/statement.json"), "utf8"));
      assert.equal(record.signedBy, s.holderId);
      assert.deepEqual(record.confirmations.map((c: { role: string }) => c.role), ["agent", "adjuster"]);
      assert.equal(record.confirmations[0].by, s.agentParticipantId, "the agent's confirmation names the agent's participant");

      const r = await verifyEvidencePackage(dir, { expectedSurveyId: s.surveyId });
      assert.equal(r.ok, true, JSON.stringify(r.failures));
      assert.equal(r.statement?.matches, true);
      assert.equal(r.statement?.statementSha256, signed.sha256);
      assert.equal(r.statement?.imageSha256, createHash("sha256").update(png).digest("hex"));
      assert.deepEqual(r.statement?.confirmations.map((c) => [c.role, c.matches]), [["agent", true], ["adjuster", true]]);
    });
  });
}
