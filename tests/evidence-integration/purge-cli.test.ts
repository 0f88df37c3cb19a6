// `claims-survey purge [--dry-run]` as an operator runs it: the real CLI in a
// child process against a data folder whose database holds one expired package
// (policy ended 2008) and one that is not (policy 2026).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { promises as fs } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { databaseTarget } from "../../server/db/database-target";
import { migrateDatabase } from "../../server/db/migrate";
import { createDb, type Db } from "../../server/db/client";
import { EvidenceService } from "../../server/archive/evidence-service";
import { testEvidenceService } from "./test-evidence-service";
import { evidenceSignerFactory } from "../../server/archive/evidence-signer";
import { tombstoneLogPath } from "../../server/archive/evidence-purge";
import { decideRetention } from "../../server/evidence/retention";
import { retentionFactsSchema } from "../../server/evidence/package-input";
import { closedSurvey, workspace, type Workspace } from "./closed-survey";

const CLI = path.resolve(import.meta.dirname, "../../scripts/cli.mjs");
let ws: Workspace;
let db: Db;

before(async () => {
  ws = workspace();
  const target = databaseTarget(`file:${path.join(ws.dataDir, "claims-survey.db")}`);
  await migrateDatabase(target);
  db = createDb(target);
});
after(async () => {
  await db.$disconnect();
  await ws.remove();
});

const cli = (...args: string[]) => {
  // No DATABASE_URL: the CLI must find the database in DATA_DIR, as the server does.
  const { DATABASE_URL: _ignored, ...env } = process.env;
  return spawnSync(process.execPath, [CLI, "purge", ...args], {
    encoding: "utf8",
    env: { ...env, DATA_DIR: ws.dataDir, CLAIMS_SURVEY_SKIP_ENV_FILE: "1", SEED_DEMO: "0" },
  });
};

test("dry run lists the expired package and deletes nothing; the real run purges it and keeps the other", { timeout: 120_000 }, async () => {
  const service = testEvidenceService({ db: db, log: pino({ level: "silent" }), storage: ws.storage, dataDir: ws.dataDir }, { signer: evidenceSignerFactory(ws.dataDir) });
  const old = await closedSurvey(db, ws.storage, { policyPeriod: { start: "2008-01-01", end: "2008-12-31" } });
  const current = await closedSurvey(db, ws.storage);
  await service.build(old.surveyId);
  await service.build(current.surveyId);
  const oldRow = await db.evidencePackage.findUniqueOrThrow({ where: { surveyId: old.surveyId } });
  assert.equal(oldRow.status, "ready", oldRow.error ?? "");

  const dry = cli("--dry-run");
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, new RegExp(`would purge ${path.basename(oldRow.storagePath!).replace(/\./g, "\\.")}`));
  assert.match(dry.stdout, /kept .* until 2031-12-31/);
  await fs.access(oldRow.storagePath!);

  const real = cli();
  assert.equal(real.status, 0, real.stderr);
  assert.match(real.stdout, /purged +.*policy end 2008-12-31 \+ 5 years/);
  await assert.rejects(fs.access(oldRow.storagePath!));
  assert.equal((await db.evidencePackage.findUniqueOrThrow({ where: { surveyId: old.surveyId } })).status, "purged");
  assert.equal((await db.evidencePackage.findUniqueOrThrow({ where: { surveyId: current.surveyId } })).status, "ready");
  const tombstones = (await fs.readFile(tombstoneLogPath(ws.dataDir), "utf8")).trim().split("\n");
  assert.equal(tombstones.length, 1);
  assert.equal(JSON.parse(tombstones[0]!).surveyId, old.surveyId);

  assert.equal(cli("--force").status, 2, "unknown options are refused");
});

test("retention without a policy period: 10 years from the survey's closing day; half a policy period is refused", () => {
  const d = decideRetention({ surveyClosedOn: "2026-11-22", legalHold: false });
  assert.deepEqual([d.rule, d.retainUntil], ["no-policy-period", "2036-11-22"]);
  const disputed = decideRetention({ surveyClosedOn: "2026-11-22", disputeClosedOn: "2035-06-01", legalHold: false });
  assert.deepEqual([disputed.rule, disputed.retainUntil], ["dispute", "2037-06-01"]);
  assert.equal(retentionFactsSchema.safeParse({ policyStart: "2026-01-01", surveyClosedOn: "2026-11-22", legalHold: false }).success, false);
  assert.equal(retentionFactsSchema.safeParse({ legalHold: false }).success, false);
});
