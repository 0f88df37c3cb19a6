// The live side of trusted time: EVIDENCE_TSA_* validated with the rest of the
// environment, the server's evidence signer built from it, and the evidence
// service turning a closed survey (in a real database) into a package whose
// signatures carry tokens from a TSA that demands an account, verified
// offline with --tsa-trust. A TSA that refuses leaves a ready package that says
// its times are the server's own, and the operator is warned in the log.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { closedSurvey, workspace, type Workspace } from "../evidence-integration/closed-survey";
import { testEvidenceService } from "../evidence-integration/test-evidence-service";
import { freshDatabase, type TestDatabase } from "../support/databases";
import { type LocalTsa, startLocalTsa } from "../support/local-tsa";

const ROOT = path.resolve(import.meta.dirname, "../..");
const CLI = path.join(ROOT, "scripts/cli.mjs");
const ACCOUNT = { username: "insurer-7", password: "s3cret pass" };

/** Loads server/env.ts in a child process with `extra` set, and prints its tsa block (or the error). */
function envTsa(extra: Record<string, string>) {
  const { EVIDENCE_TSA_URL: _u, EVIDENCE_TSA_USERNAME: _n, EVIDENCE_TSA_PASSWORD: _p, EVIDENCE_TSA_TIMEOUT_SECONDS: _t, ...base } = process.env;
  return spawnSync(process.execPath, ["--import", "tsx", "-e", `import("./server/env.ts").then((m) => console.log(JSON.stringify(m.env.tsa)), (e) => { console.error(e.message); process.exit(3); })`], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...base, CLAIMS_SURVEY_SKIP_ENV_FILE: "1", ...extra },
  });
}

let tsa: LocalTsa;
let t: TestDatabase;
let ws: Workspace;
const logged: { level: number; msg: string; failed?: Record<string, { status: string; reason: string }> }[] = [];

before(async () => {
  tsa = await startLocalTsa({ name: "Live", auth: ACCOUNT });
  t = await freshDatabase("sqlite");
  ws = workspace();
});

after(async () => {
  await tsa?.stop();
  await t?.drop();
  await ws?.remove();
});

describe("trusted time on the live server", () => {
  it("EVIDENCE_TSA_* is validated once with the environment", () => {
    const ok = envTsa({ EVIDENCE_TSA_URL: "https://tsa.example.com/rfc3161", EVIDENCE_TSA_USERNAME: "a", EVIDENCE_TSA_PASSWORD: "b", EVIDENCE_TSA_TIMEOUT_SECONDS: "30" });
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), { url: "https://tsa.example.com/rfc3161", timeoutMs: 30_000, auth: { username: "a", password: "b" } });
    assert.equal(envTsa({}).stdout.trim(), "null");
    const half = envTsa({ EVIDENCE_TSA_URL: "https://tsa.example.com/", EVIDENCE_TSA_USERNAME: "a" });
    assert.equal(half.status, 3);
    assert.match(half.stderr, /EVIDENCE_TSA_USERNAME and EVIDENCE_TSA_PASSWORD go together/);
    const notUrl = envTsa({ EVIDENCE_TSA_URL: "ftp://tsa.example.com/" });
    assert.equal(notUrl.status, 3);
    assert.match(notUrl.stderr, /EVIDENCE_TSA_URL/);
  });

  it("a closed survey's package carries tokens from the configured TSA and verifies with --tsa-trust; a refusing TSA leaves a ready package that says so", async () => {
    // The server's own wiring: env → env.tsa → evidenceSignerFactory → EvidenceService.
    process.env.EVIDENCE_TSA_URL = tsa.url;
    process.env.EVIDENCE_TSA_USERNAME = ACCOUNT.username;
    process.env.EVIDENCE_TSA_PASSWORD = ACCOUNT.password;
    process.env.EVIDENCE_TSA_TIMEOUT_SECONDS = "120";
    process.env.DATA_DIR = ws.dataDir;
    const { env } = await import("../../server/env");
    const { evidenceSignerFactory } = await import("../../server/archive/evidence-signer");
    assert.ok(env.tsa);
    const log = pino({ level: "info" }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const service = testEvidenceService({ db: t.db, log, storage: ws.storage, dataDir: ws.dataDir }, { signer: evidenceSignerFactory(ws.dataDir, env.tsa) });
    try {
      const s = await closedSurvey(t.db, ws.storage);
      await service.build(s.surveyId);
      const row = await t.db.evidencePackage.findUniqueOrThrow({ where: { surveyId: s.surveyId } });
      assert.equal(row.status, "ready", row.error ?? "");
      assert.ok(tsa.granted >= 3, `granted ${tsa.granted}`);
      const r = spawnSync(process.execPath, [CLI, "verify", row.storagePath!, "--tsa-trust", tsa.ca.certPath, "--json"], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stdout);
      const result = JSON.parse(r.stdout);
      assert.deepEqual(result.trustedTime.tokens.map((k: { status: string }) => k.status), ["proven", "proven", "proven"]);
      assert.equal(result.trustedTime.authority, tsa.url, "the package names the TSA, without the account");

      tsa.behaviour = "refuse";
      const down = await closedSurvey(t.db, ws.storage);
      await service.build(down.surveyId);
      const downRow = await t.db.evidencePackage.findUniqueOrThrow({ where: { surveyId: down.surveyId } });
      assert.equal(downRow.status, "ready", "a refusing TSA must not fail the package");
      const text = spawnSync(process.execPath, [CLI, "verify", downRow.storagePath!], { encoding: "utf8" });
      assert.equal(text.status, 0, text.stdout);
      assert.match(text.stdout, /TRUSTED TIME none: every time in this package is the server's own clock/);
      assert.match(text.stdout, /NO TIMESTAMP 无时间戳 — timestamp authority answered HTTP 503/);
      const warning = logged.find((l) => l.msg === "evidence package built without some RFC 3161 timestamps");
      assert.ok(warning, "no warning logged");
      assert.deepEqual(Object.keys(warning.failed!).sort(), ["eventTreeHead", "manifest", "report"]);
    } finally {
      tsa.behaviour = "answer";
      service.close();
    }
  });
});
