// A composite render that fails for a real cause heals, on both databases:
// something stands where the composite file must go (a folder), the render
// fails, the agent sees a failure code and an error id through tRPC (never
// ffmpeg's words or a server path) and the id is in the server log; once the
// obstacle is gone the automatic retry, or the agent's retry, renders it.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { databaseKinds, freshDatabase, type TestDatabase } from "../support/databases";
import { appRouter } from "../../server/api/root";
import type { TrpcContext } from "../../server/api/trpc";
import type { AppContext } from "../../server/app-context";
import { compositeKey, compositeRenderer, type CompositeStatus } from "../../server/recording/composite-render";
import { closedSurvey, workspace, type Workspace } from "../evidence-integration/closed-survey";

async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

for (const kind of databaseKinds) {
  describe(`a failed composite render heals on ${kind}`, () => {
    let t: TestDatabase;
    let ws: Workspace;
    let logText = "";
    const log = pino(
      { level: "info" },
      new Writable({
        write(chunk, _e, cb) {
          logText += chunk;
          cb();
        },
      }),
    );
    before(async () => {
      t = await freshDatabase(kind);
      ws = workspace();
    });
    after(async () => {
      await t.drop();
      await ws.remove();
    });

    /** A closed survey with two short, real WebM tracks (ffmpeg-made) in local storage. */
    async function surveyWithTracks(storage = ws.storage) {
      const s = await closedSurvey(t.db, storage, { withMedia: false });
      const scratch = mkdtempSync(path.join(os.tmpdir(), "cs-composite-fail-"));
      const t0 = Date.now() - 10_000;
      try {
        for (const src of [
          { kind: "video", args: ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=15:duration=2", "-c:v", "libvpx", "-deadline", "realtime"] },
          { kind: "audio", args: ["-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "libopus"] },
        ]) {
          const file = path.join(scratch, `${src.kind}.webm`);
          execFileSync("ffmpeg", ["-nostdin", "-loglevel", "error", ...src.args, "-f", "webm", file]);
          const key = `${s.surveyId}/${s.holderId}-${src.kind}-1.webm`;
          const w = await storage.put(key);
          await w.write(await fs.readFile(file));
          await w.close();
          await storage.finalise(key);
          await t.db.recording.create({
            data: { id: `${s.surveyId}-${src.kind}`, surveyId: s.surveyId, participantId: s.holderId, role: "policyholder", kind: src.kind, codec: "", storageKey: key, startedAt: new Date(t0), endedAt: new Date(t0 + 2000), status: "finalised" },
          });
        }
      } finally {
        await fs.rm(scratch, { recursive: true, force: true });
      }
      return s;
    }

    async function agentCaller(storage = ws.storage) {
      const app = { env: {} as AppContext["env"], db: t.db, log, storage } as AppContext;
      const user = await t.db.user.findUniqueOrThrow({ where: { email: "agent1@example.com" } });
      const ctx: TrpcContext = { app, user, sessionToken: undefined, inviteToken: undefined, setSessionCookie: () => undefined };
      return appRouter.createCaller(ctx);
    }

    test("a folder where the composite must go: code + error id for the agent, then the automatic retry renders it", async () => {
      // The renderer the tRPC router finds for this storage, with a short first wait.
      compositeRenderer({ db: t.db, storage: ws.storage, log, retryDelaysMs: [1_500, 1_500] });
      const s = await surveyWithTracks();
      const obstacle = ws.storage.localPath(compositeKey(s.surveyId));
      await fs.mkdir(path.join(obstacle, "something"), { recursive: true });
      const agent = await agentCaller();
      await agent.composite.start({ surveyId: s.surveyId });
      const failed = await until("the render to fail", async () => {
        const st = await agent.composite.status({ surveyId: s.surveyId });
        return st.state === "failed" && st;
      });
      assert.equal(failed.errorCode, "not-writable");
      assert.match(failed.errorId, /^CV-[0-9A-F]{10}$/);
      assert.equal(failed.attempts, 1);
      assert.ok(failed.nextAttemptAt, "an automatic retry is due");
      assert.ok(!("error" in failed), "no raw error reaches the page");
      assert.ok(!JSON.stringify(failed).includes(ws.dataDir), JSON.stringify(failed));
      const line = logText.split("\n").find((l) => l.includes(failed.errorId));
      assert.ok(line && line.includes("composite render failed"), "the error id is in the server log with the error");

      await fs.rm(obstacle, { recursive: true });
      const done = await until("the automatic retry to render", async () => {
        const st = await agent.composite.status({ surveyId: s.surveyId });
        return st.state === "done" && st;
      });
      assert.ok((done as Extract<CompositeStatus, { state: "done" }>).sizeBytes > 1000);
      assert.ok((await fs.stat(obstacle)).isFile(), "the composite file is where the folder was");
    });

    test("the agent's retry: fails again while the cause stands (new id), renders after the fix", async () => {
      // A storage of its own, so its renderer has no automatic retries: only the agent's act.
      const own = workspace();
      after(() => own.remove());
      const renderer = compositeRenderer({ db: t.db, storage: own.storage, log, retryDelaysMs: [] });
      const s = await surveyWithTracks(own.storage);
      const obstacle = own.storage.localPath(compositeKey(s.surveyId));
      await fs.mkdir(path.join(obstacle, "x"), { recursive: true });
      const agent = await agentCaller(own.storage);
      await agent.composite.start({ surveyId: s.surveyId });
      await until("the first failure", async () => (await renderer.status(s.surveyId)).state === "failed");
      // A retry while the obstacle stands fails again, with a new id and the count going up.
      const first = (await renderer.status(s.surveyId)) as Extract<CompositeStatus, { state: "failed" }>;
      assert.equal(first.nextAttemptAt, null, "no automatic retry is due");
      await agent.composite.start({ surveyId: s.surveyId });
      const second = await until("the second failure", async () => {
        const st = await renderer.status(s.surveyId);
        return st.state === "failed" && st.errorId !== first.errorId && st;
      });
      assert.equal(second.attempts, 2);
      await fs.rm(obstacle, { recursive: true });
      await agent.composite.start({ surveyId: s.surveyId });
      await until("the retried render", async () => (await renderer.status(s.surveyId)).state === "done");
    });
  });
}
