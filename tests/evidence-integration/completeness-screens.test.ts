// What the screens get, through the real tRPC router on both databases: the
// auditor's survey page (audit.open, computed from the package) and its
// "Verify package" (audit.verify, recomputed from the verified files, apart
// from the integrity verdict), and the agent's survey page
// (evidence.completeness), for a survey whose policyholder audio has a hole
// and whose agent camera was never recorded.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { pino } from "pino";
import { TRPCError } from "@trpc/server";
import { databaseKinds, freshDatabase, type TestDatabase } from "../support/databases";
import { appRouter } from "../../server/api/root";
import type { TrpcContext } from "../../server/api/trpc";
import type { AppContext } from "../../server/app-context";
import { EvidenceService } from "../../server/archive/evidence-service";
import { testEvidenceService } from "./test-evidence-service";
import type { CompletenessReport } from "../../server/evidence/completeness-report";
import { testSigner } from "../fixtures/evidence/test-signer";
import { workspace, type Workspace } from "./closed-survey";
import { recordedSurveyWithHoles, type RecordedSurvey } from "./recorded-survey";

const log = pino({ level: "silent" });

for (const kind of databaseKinds) {
  describe(`completeness on the screens' procedures on ${kind}`, () => {
    let t: TestDatabase;
    let ws: Workspace;
    let app: AppContext;
    let s: RecordedSurvey;
    before(async () => {
      t = await freshDatabase(kind);
      ws = workspace();
      app = { env: { PUBLIC_URL: "https://survey.example.com", DATA_DIR: ws.dataDir } as AppContext["env"], db: t.db, log } as AppContext;
      s = await recordedSurveyWithHoles(t.db, ws.storage);
      await t.db.survey.update({ where: { id: s.surveyId }, data: { agentId: (await t.db.user.findUniqueOrThrow({ where: { email: "agent1@example.com" } })).id } });
      await testEvidenceService({ db: t.db, log: log, storage: ws.storage, dataDir: ws.dataDir }).build(s.surveyId);
    });
    after(async () => {
      await t.drop();
      await ws.remove();
    });

    async function callerFor(email: string) {
      const user = await t.db.user.findUniqueOrThrow({ where: { email } });
      const ctx: TrpcContext = { app, user, sessionToken: undefined, inviteToken: undefined, setSessionCookie: () => undefined };
      return appRouter.createCaller(ctx);
    }
    const holes = (c: CompletenessReport | null | undefined) =>
      (c?.items ?? []).map((i) => [i.role, i.kind, i.neverRecorded, i.gaps.filter((g) => !g.tolerated).map((g) => `${g.fromOffset}–${g.toOffset} ${g.cause}`)]);
    const expected = [
      ["policyholder", "audio", false, ["00:00:12–00:02:05 recording-failed"]],
      ["policyholder", "video", false, []],
      ["agent", "audio", false, []],
      ["agent", "video", true, ["00:00:00–00:03:10 recording-failed"]],
    ];
    const sorted = (x: unknown[][]) => [...x].sort((a, b) => String(a.slice(0, 2)).localeCompare(String(b.slice(0, 2))));

    test("the auditor's page: open shows it from the package; verify says intact and, apart, incomplete", async () => {
      const auditor = await callerFor("auditor@example.com");
      const opened = await auditor.audit.open({ surveyId: s.surveyId });
      assert.equal(opened.completeness?.status, "incomplete");
      assert.deepEqual(sorted(holes(opened.completeness)), sorted(expected));
      const verified = await auditor.audit.verify({ surveyId: s.surveyId });
      assert.equal(verified.ok, true, JSON.stringify(verified.failures));
      assert.equal(verified.completeness.status, "incomplete");
      assert.deepEqual(sorted(holes(verified.completeness)), sorted(expected));
      const gap = verified.completeness.items.find((i) => i.kind === "video" && i.role === "agent")!.gaps[0]!;
      assert.deepEqual([gap.codes, gap.errorIds], [["MUXER_START_FAILED"], ["ERR-AV-1", "ERR-AV-2"]]);
    });

    test("the agent's page: evidence.completeness for the survey's agent; others are refused", async () => {
      const agent = await callerFor("agent1@example.com");
      const c = await agent.evidence.completeness({ surveyId: s.surveyId });
      assert.equal(c?.status, "incomplete");
      assert.deepEqual(sorted(holes(c)), sorted(expected));
      await assert.rejects((await callerFor("agent2@example.com")).evidence.completeness({ surveyId: s.surveyId }), (e) => e instanceof TRPCError && e.code === "FORBIDDEN");
      await assert.rejects((await callerFor("auditor@example.com")).evidence.completeness({ surveyId: s.surveyId }), (e) => e instanceof TRPCError && e.code === "FORBIDDEN");
    });
  });
}
