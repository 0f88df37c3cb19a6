// A package build that fails for a real cause heals, on both databases: the
// report's font file is not where the build reads it (as on a machine without
// fonts-noto-cjk), the build fails, and the agent (tRPC evidence.status) and
// the auditor (audit.open) see a failure code and an error id, never the raw
// error or a server path; the error id names the full error in the server log.
// Then the font is put in place (the fix) and the automatic retry, or a retry
// asked for by the agent or the auditor, produces a package that verifies.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { TRPCError } from "@trpc/server";
import { databaseKinds, freshDatabase, type TestDatabase } from "../support/databases";
import { appRouter } from "../../server/api/root";
import type { TrpcContext } from "../../server/api/trpc";
import type { AppContext } from "../../server/app-context";
import { EvidenceService } from "../../server/archive/evidence-service";
import { testEvidenceService } from "./test-evidence-service";
import { DEFAULT_REPORT_FONTS, type ReportFonts } from "../../server/evidence/cjk-font";
import { verifyEvidencePackage } from "../../server/evidence/verify-package";
import { testSigner } from "../fixtures/evidence/test-signer";
import { closedSurvey, workspace, type Workspace } from "./closed-survey";

const code = (c: TRPCError["code"]) => (e: unknown) => e instanceof TRPCError && e.code === c;

/** Polls until `check` returns a value; generous deadline, the machine is loaded. */
async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

for (const kind of databaseKinds) {
  describe(`a failed evidence build heals on ${kind}`, () => {
    let t: TestDatabase;
    let ws: Workspace;
    let fontRoot: string;
    let fontDir: string;
    let fonts: ReportFonts;
    let logText = "";
    const log = pino(
      { level: "info" },
      new Writable({
        write(chunk, _enc, cb) {
          logText += chunk;
          cb();
        },
      }),
    );
    const services: EvidenceService[] = [];
    const serviceWith = (retryDelaysMs: number[]) => {
      const s = testEvidenceService({ db: t.db, log: log, storage: ws.storage, dataDir: ws.dataDir }, { progressIntervalMs: 0, reportFonts: fonts, retryDelaysMs });
      services.push(s);
      return s;
    };
    // The fix an operator makes: the font files appear where the build reads them.
    const installFonts = async () => {
      await fs.mkdir(fontDir, { recursive: true });
      for (const face of [DEFAULT_REPORT_FONTS.regular, DEFAULT_REPORT_FONTS.bold]) {
        const target = path.join(fontDir, path.basename(face.path));
        await fs.symlink(face.path, target).catch((e: NodeJS.ErrnoException) => (e.code === "EEXIST" ? undefined : Promise.reject(e)));
      }
    };
    // A font folder no build has read yet: the server keeps fonts it once read in memory.
    const missingFonts = () => {
      fontDir = path.join(mkdtempSync(path.join(fontRoot, "case-")), "noto");
      const at = (face: ReportFonts["regular"]) => ({ ...face, path: path.join(fontDir, path.basename(face.path)) });
      fonts = { regular: at(DEFAULT_REPORT_FONTS.regular), bold: at(DEFAULT_REPORT_FONTS.bold), mono: at(DEFAULT_REPORT_FONTS.mono) };
    };

    before(async () => {
      t = await freshDatabase(kind);
      ws = workspace();
      fontRoot = mkdtempSync(path.join(os.tmpdir(), "cs-fonts-"));
    });
    after(async () => {
      for (const s of services) s.close();
      await t.drop();
      await ws.remove();
      await fs.rm(fontRoot, { recursive: true, force: true });
    });

    async function callerFor(email: string, service: EvidenceService) {
      const app = { env: { PUBLIC_URL: "https://survey.example.com", DATA_DIR: ws.dataDir } as AppContext["env"], db: t.db, log, evidence: service } as AppContext;
      const user = await t.db.user.findUniqueOrThrow({ where: { email } });
      const ctx: TrpcContext = { app, user, sessionToken: undefined, inviteToken: undefined, setSessionCookie: () => undefined };
      return appRouter.createCaller(ctx);
    }

    test("the failure shows as a code and an error id, and the automatic retry builds the package once the font is installed", async () => {
      missingFonts(); // as on a machine without fonts-noto-cjk
      const service = serviceWith([1_500, 1_500]);
      const s = await closedSurvey(t.db, ws.storage);
      await service.build(s.surveyId);

      const row = await t.db.evidencePackage.findUniqueOrThrow({ where: { surveyId: s.surveyId } });
      assert.equal(row.status, "failed");
      assert.equal(row.errorCode, "report-font-missing");
      assert.match(row.errorId ?? "", /^EV-[0-9A-F]{10}$/);
      assert.equal(row.attempts, 1);
      assert.ok(row.nextAttemptAt && row.nextAttemptAt.getTime() > Date.now() - 60_000, "a retry is due");

      // The server log has the id with the whole error (path included); the pages get neither text nor path.
      const line = logText.split("\n").find((l) => l.includes(row.errorId!));
      assert.ok(line, "the error id is in the server log");
      assert.match(line!, /evidence package failed/);
      assert.ok(line!.includes(fontDir), "the log line carries the real error");

      const agent = await callerFor("agent1@example.com", service);
      const seen = await agent.evidence.status({ surveyId: s.surveyId });
      assert.equal(seen.package?.status, "failed");
      assert.equal(seen.package?.errorCode, "report-font-missing");
      assert.equal(seen.package?.errorId, row.errorId);
      assert.ok(!("error" in (seen.package ?? {})), "no raw error field reaches the page");
      assert.ok(!JSON.stringify(seen).includes(fontDir) && !JSON.stringify(seen).includes("/usr/share"), JSON.stringify(seen));
      const auditor = await callerFor("auditor@example.com", service);
      const opened = await auditor.audit.open({ surveyId: s.surveyId });
      assert.equal(opened.package?.errorCode, "report-font-missing");
      assert.ok(!("error" in (opened.package ?? {})));
      assert.ok(!JSON.stringify(opened).includes(fontDir), "the auditor's view names no server path");
      const failedEvent = await t.db.surveyEvent.findFirstOrThrow({ where: { surveyId: s.surveyId, type: "evidence.failed" } });
      assert.ok(failedEvent.payload.includes(row.errorId!) && !failedEvent.payload.includes(fontDir), failedEvent.payload);

      // The fix; nobody presses anything: the automatic retry builds the package.
      await installFonts();
      const ready = await until("the automatic retry to build the package", async () => {
        const r = await t.db.evidencePackage.findUniqueOrThrow({ where: { surveyId: s.surveyId } });
        return r.status === "ready" && r;
      });
      assert.equal(ready.errorCode, null);
      assert.equal(ready.errorId, null);
      assert.equal(ready.attempts, 0);
      const result = await verifyEvidencePackage(ready.storagePath!, { expectedSurveyId: s.surveyId });
      assert.equal(result.ok, true, JSON.stringify(result.failures));
    });

    test("the agent and the auditor retry by hand: a retry while the cause remains fails again with a new id; after the fix it builds", async () => {
      missingFonts(); // as on a machine without fonts-noto-cjk
      // No automatic retry within the test: only the hand-made ones act.
      const service = serviceWith([3_600_000]);
      const s = await closedSurvey(t.db, ws.storage, { withMedia: false });
      await service.build(s.surveyId);
      const first = await t.db.evidencePackage.findUniqueOrThrow({ where: { surveyId: s.surveyId } });
      assert.equal(first.status, "failed");

      const agent = await callerFor("agent1@example.com", service);
      await assert.rejects((await callerFor("agent2@example.com", service)).evidence.retry({ surveyId: s.surveyId }), code("FORBIDDEN"));
      assert.deepEqual(await agent.evidence.retry({ surveyId: s.surveyId }), { started: true });
      await service.idle();
      const second = await t.db.evidencePackage.findUniqueOrThrow({ where: { surveyId: s.surveyId } });
      assert.equal(second.status, "failed");
      assert.equal(second.attempts, 2);
      assert.notEqual(second.errorId, first.errorId, "each failure has its own id");

      await installFonts();
      const auditor = await callerFor("auditor@example.com", service);
      assert.deepEqual(await auditor.audit.retryEvidence({ surveyId: s.surveyId }), { started: true });
      await service.idle();
      const ready = await t.db.evidencePackage.findUniqueOrThrow({ where: { surveyId: s.surveyId } });
      assert.equal(ready.status, "ready", ready.error ?? "");
      assert.equal((await verifyEvidencePackage(ready.storagePath!)).ok, true);
      const auditorId = (await t.db.user.findUniqueOrThrow({ where: { email: "auditor@example.com" } })).id;
      assert.ok((await t.db.auditLog.findMany({ where: { userId: auditorId } })).some((r) => r.action === "audit.evidence.retry" && r.targetId === s.surveyId));

      // A ready package is not rebuilt on request.
      await assert.rejects(agent.evidence.retry({ surveyId: s.surveyId }), code("CONFLICT"));
      await assert.rejects(auditor.audit.retryEvidence({ surveyId: s.surveyId }), code("CONFLICT"));
    });

    test("a failed build is retried after a restart: a new service picks it up from the row", async () => {
      missingFonts(); // as on a machine without fonts-noto-cjk
      const before = serviceWith([3_600_000]);
      const s = await closedSurvey(t.db, ws.storage, { withMedia: false });
      await before.build(s.surveyId);
      assert.equal((await t.db.evidencePackage.findUniqueOrThrow({ where: { surveyId: s.surveyId } })).status, "failed");
      before.close(); // the server stops
      // The retry fell due while it was down.
      await t.db.evidencePackage.update({ where: { surveyId: s.surveyId }, data: { nextAttemptAt: new Date(Date.now() - 1000) } });
      await installFonts();
      const after = serviceWith([3_600_000]);
      await after.resumeInterrupted();
      const ready = await until("the restarted server's retry", async () => {
        const r = await t.db.evidencePackage.findUniqueOrThrow({ where: { surveyId: s.surveyId } });
        return r.status === "ready" && r;
      });
      assert.equal((await verifyEvidencePackage(ready.storagePath!)).ok, true);
    });
  });
}
