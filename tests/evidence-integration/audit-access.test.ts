// Who reaches the archive, through the real tRPC router (createCaller) and the
// real download route, on both databases: auditors and admins reach audit.*,
// agents and adjusters do not; auditors do not reach the agent's procedures;
// nothing anywhere deletes; every auditor action is in the AuditLog.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { promises as fs } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { TRPCError } from "@trpc/server";
import { databaseKinds, freshDatabase, type TestDatabase } from "../support/databases";
import { appRouter } from "../../server/api/root";
import type { TrpcContext } from "../../server/api/trpc";
import type { AppContext } from "../../server/app-context";
import { loginWithPassword, SESSION_COOKIE } from "../../server/auth/sessions";
import { EvidenceService } from "../../server/archive/evidence-service";
import { testEvidenceService } from "./test-evidence-service";
import { handleEvidenceRoute } from "../../server/http/evidence-routes";
import { verifyEvidencePackage } from "../../server/evidence/verify-package";
import { testSigner } from "../fixtures/evidence/test-signer";
import { closedSurvey, workspace, type Workspace } from "./closed-survey";

const log = pino({ level: "silent" });
const code = (c: TRPCError["code"]) => (e: unknown) => e instanceof TRPCError && e.code === c;

for (const kind of databaseKinds) {
  describe(`archive access on ${kind}`, () => {
    let t: TestDatabase;
    let ws: Workspace;
    let app: AppContext;
    let s: Awaited<ReturnType<typeof closedSurvey>>;
    before(async () => {
      t = await freshDatabase(kind);
      ws = workspace();
      app = { env: { PUBLIC_URL: "https://survey.example.com", DATA_DIR: ws.dataDir } as AppContext["env"], db: t.db, log } as AppContext;
      s = await closedSurvey(t.db, ws.storage);
      await testEvidenceService({ db: t.db, log: log, storage: ws.storage, dataDir: ws.dataDir }).build(s.surveyId);
    });
    after(async () => {
      await t.drop();
      await ws.remove();
    });

    async function callerFor(email: string | null) {
      const user = email ? await t.db.user.findUniqueOrThrow({ where: { email } }) : null;
      const ctx: TrpcContext = { app, user, sessionToken: undefined, inviteToken: undefined, setSessionCookie: () => undefined };
      return appRouter.createCaller(ctx);
    }
    const auditRows = async (email: string) => {
      const u = await t.db.user.findUniqueOrThrow({ where: { email } });
      return (await t.db.auditLog.findMany({ where: { userId: u.id }, orderBy: { at: "asc" } })).map((r) => r.action);
    };

    test("agents, adjusters and anonymous callers reach no audit procedure", async () => {
      const anon = await callerFor(null);
      await assert.rejects(anon.audit.search({}), code("UNAUTHORIZED"));
      for (const email of ["agent1@example.com", "agent2@example.com", "adjuster@example.com"]) {
        const c = await callerFor(email);
        await assert.rejects(c.audit.search({ claimNumber: s.claimNumber }), code("FORBIDDEN"), email);
        await assert.rejects(c.audit.open({ surveyId: s.surveyId }), code("FORBIDDEN"), email);
        await assert.rejects(c.audit.verify({ surveyId: s.surveyId }), code("FORBIDDEN"), email);
        await assert.rejects(c.audit.setLegalHold({ surveyId: s.surveyId, legalHold: true, reason: "x" }), code("FORBIDDEN"), email);
        await assert.rejects(c.audit.setDisputeClosed({ surveyId: s.surveyId, disputeClosedOn: "2030-01-01" }), code("FORBIDDEN"), email);
      }
      assert.equal((await t.db.evidencePackage.findUniqueOrThrow({ where: { surveyId: s.surveyId } })).legalHold, false);
    });

    test("auditors reach none of the agent's procedures", async () => {
      const auditor = await callerFor("auditor@example.com");
      await assert.rejects(auditor.surveys.list(), code("FORBIDDEN"));
      await assert.rejects(auditor.surveys.get({ surveyId: s.surveyId }), code("FORBIDDEN"));
      await assert.rejects(auditor.surveys.end({ surveyId: s.surveyId }), code("FORBIDDEN"));
      await assert.rejects(auditor.captures.list({ surveyId: s.surveyId }), code("FORBIDDEN"));
      await assert.rejects(auditor.evidence.status({ surveyId: s.surveyId }), code("FORBIDDEN"));
      // The agent who ran it follows the build; another agent does not.
      assert.equal((await (await callerFor("agent1@example.com")).evidence.status({ surveyId: s.surveyId })).package?.status, "ready");
      await assert.rejects((await callerFor("agent2@example.com")).evidence.status({ surveyId: s.surveyId }), code("FORBIDDEN"));
    });

    test("no procedure anywhere deletes", () => {
      const names = Object.keys((appRouter as unknown as { _def: { procedures: Record<string, unknown> } })._def.procedures);
      assert.ok(names.includes("audit.verify"), "the introspection sees the procedures");
      assert.deepEqual(names.filter((n) => /delete|remove|purge|destroy/i.test(n)), []);
    });

    test("an auditor searches, opens, verifies, sets and clears a hold and a dispute date; each is logged", async () => {
      const auditor = await callerFor("auditor@example.com");
      const found = await auditor.audit.search({ claimNumber: s.claimNumber });
      assert.deepEqual(found.map((f) => f.id), [s.surveyId]);
      assert.deepEqual((await auditor.audit.search({ plate: "沪A·12345", agent: "agent1@" })).some((f) => f.id === s.surveyId), true);
      // Auditors type in whatever case they have on paper.
      assert.deepEqual((await auditor.audit.search({ plate: "沪a·12345", agent: "AGENT1@" })).some((f) => f.id === s.surveyId), true);
      assert.deepEqual((await auditor.audit.search({ claimNumber: s.claimNumber.toLowerCase() })).some((f) => f.id === s.surveyId), true);
      assert.deepEqual(await auditor.audit.search({ claimNumber: s.claimNumber, from: "2000-01-01", to: "2000-12-31" }), []);
      await assert.rejects(auditor.audit.search({ from: "2026-02-01", to: "2026-01-01" }), code("BAD_REQUEST"));

      const opened = await auditor.audit.open({ surveyId: s.surveyId });
      assert.equal(opened.claim.policyholderMobile, "138****8000");
      assert.equal(opened.package?.status, "ready");
      assert.ok(opened.manifest!.files.some((f) => f.role === "report"));
      assert.equal(opened.retention.retainUntil, "2031-12-31");
      assert.ok(!("storagePath" in (opened.package ?? {})), "server paths are not handed out");

      const verified = await auditor.audit.verify({ surveyId: s.surveyId });
      assert.equal(verified.ok, true, JSON.stringify(verified.failures));
      assert.ok(verified.checks.every((c) => c.outcome === "pass"), JSON.stringify(verified.checks));

      const disputed = await auditor.audit.setDisputeClosed({ surveyId: s.surveyId, disputeClosedOn: "2031-06-30" });
      assert.equal(disputed.retainUntil, "2033-06-30");
      assert.equal(disputed.destroyAfter.toISOString(), "2033-07-01T00:00:00.000Z");
      const admin = await callerFor("admin@example.com");
      const hold = await admin.audit.setLegalHold({ surveyId: s.surveyId, legalHold: true, reason: "litigation 2026-17" });
      assert.equal(hold.legalHold, true);
      await auditor.audit.setLegalHold({ surveyId: s.surveyId, legalHold: false, reason: "released" });
      await auditor.audit.setDisputeClosed({ surveyId: s.surveyId, disputeClosedOn: null });
      const row = await t.db.evidencePackage.findUniqueOrThrow({ where: { surveyId: s.surveyId } });
      assert.deepEqual([row.legalHold, row.disputeClosedAt, row.destroyAfter?.toISOString()], [false, null, "2032-01-01T00:00:00.000Z"]);

      assert.deepEqual(await auditRows("auditor@example.com"), [
        "audit.search",
        "audit.search",
        "audit.search",
        "audit.search",
        "audit.search",
        "audit.open",
        "audit.verify",
        "audit.dispute.set",
        "audit.hold.clear",
        "audit.dispute.clear",
      ]);
      assert.deepEqual(await auditRows("admin@example.com"), ["audit.hold.set"]);
    });

    test("the zip download: auditors only, logged, and the zip verifies", async () => {
      const server = http.createServer(async (req, res) => {
        const pathname = new URL(req.url ?? "/", "http://x").pathname;
        if (!(await handleEvidenceRoute(app, req, res, pathname))) res.writeHead(404).end();
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const port = (server.address() as { port: number }).port;
      try {
        const url = `http://127.0.0.1:${port}/api/evidence/${s.surveyId}/package.zip`;
        const cookie = async (email: string, password: string) => `${SESSION_COOKIE}=${(await loginWithPassword(t.db, email, password, 1))!.token}`;
        assert.equal((await fetch(url)).status, 401);
        assert.equal((await fetch(url, { headers: { cookie: await cookie("agent1@example.com", "agent-demo-2026") } })).status, 403);
        const before = (await auditRows("auditor@example.com")).length;
        const res = await fetch(url, { headers: { cookie: await cookie("auditor@example.com", "auditor-demo-2026") } });
        assert.equal(res.status, 200);
        assert.match(res.headers.get("content-disposition") ?? "", /attachment; filename=".+\.zip"/);
        const zip = path.join(ws.dataDir, "download.zip");
        await fs.writeFile(zip, Buffer.from(await res.arrayBuffer()));
        const result = await verifyEvidencePackage(zip, { expectedSurveyId: s.surveyId });
        assert.equal(result.kind, "zip");
        assert.equal(result.ok, true, JSON.stringify(result.failures));
        assert.deepEqual((await auditRows("auditor@example.com")).slice(before), ["audit.download"]);
        assert.equal((await fetch(`http://127.0.0.1:${port}/api/evidence/nope/package.zip`, { headers: { cookie: await cookie("auditor@example.com", "auditor-demo-2026") } })).status, 404);
      } finally {
        server.close();
      }
    });

    test("verify reports each failure: an edited file fails its hash check, the others still pass", async () => {
      const row = await t.db.evidencePackage.findUniqueOrThrow({ where: { surveyId: s.surveyId } });
      const chat = path.join(row.storagePath!, "chat.json");
      // A new file rather than an in-place edit: media in the package are hard links to storage.
      const edited = (await fs.readFile(chat, "utf8")).replace("右前灯坏了", "右前灯完好");
      await fs.rm(chat);
      await fs.writeFile(chat, edited);
      const verified = await (await callerFor("auditor@example.com")).audit.verify({ surveyId: s.surveyId });
      assert.equal(verified.ok, false);
      assert.ok(verified.failures.some((f) => f.path === "chat.json" && f.check === "file-hash" && f.expected && f.actual), JSON.stringify(verified.failures));
      assert.equal(verified.checks.find((c) => c.check === "file-hash")?.outcome, "fail");
      assert.equal(verified.checks.find((c) => c.check === "manifest-signature")?.outcome, "pass");
    });
  });
}
