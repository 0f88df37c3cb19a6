// Issue 13, cases 6(c) and 6(e): a phone whose network drops for 20 s (a photo
// taken meanwhile) or whose address changes (Wi-Fi → 4G) comes back by itself:
// ICE restart on the same media session, no new join, the photo arrives with
// the hash the phone computed, and the recording's continuity log shows the
// hole with its cause ("network").
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { cspViolations, LOADED_MACHINE_WAIT_MS } from "../support/browser-session";
import { callSnapshot } from "../support/page-state";
import {
  endAndCollectRecordings,
  framesOf,
  startImpairedCall,
  timeline,
  uploadHashes,
  waitForVideoFlowing,
  waitForVideoStopped,
  type ImpairedCall,
} from "../support/impaired-call";

function storedOriginals(call: ImpairedCall): Set<string> {
  const dir = path.join(call.product.dataDir, "media", call.surveyId, "photos");
  return new Set(readdirSync(dir).filter((n) => !n.includes(".thumb-") && !n.includes(".provisional.")).map((f) => createHash("sha256").update(readFileSync(path.join(dir, f))).digest("hex")));
}

/** The media session survived: one join of the policyholder, no leave, and the server resumed it. */
async function assertNoRejoin(call: ImpairedCall) {
  const events = await timeline(call.agent, call.surveyId);
  const ph = events.filter((e) => e.actorRole === "policyholder" || (e.payload as { role?: string }).role === "policyholder");
  assert.equal(ph.filter((e) => e.type === "participant.joined").length, 1, `one join of the policyholder (${ph.map((e) => e.type).join(", ")})`);
  assert.equal(ph.filter((e) => e.type === "participant.left").length, 0, "the policyholder never left");
  assert.match(call.product.logs(), /signalling resumed on a new connection/, "the phone resumed its session on a new socket");
}

async function assertNetworkGaps(call: ImpairedCall, minGapMs: number, t?: { diagnostic(msg: string): void }) {
  const rows = await endAndCollectRecordings(call);
  const phoneRows = rows.filter((r) => r.role === "policyholder");
  assert.deepEqual(phoneRows.map((r) => r.kind).sort(), ["audio", "video"], "one file per kind for the phone: the same producers went on");
  for (const r of phoneRows) {
    const gaps = r.continuity.filter((e) => e.type === "gap" && e.cause === "network");
    t?.diagnostic(`policyholder ${r.kind}: network gaps of ${gaps.map((g) => `${g.gapMs} ms at ${g.at}`).join(", ") || "none"}`);
    assert.ok(gaps.length >= 1, `policyholder ${r.kind}: a network gap in the continuity log (${JSON.stringify(r.continuity)})`);
    assert.ok(gaps.some((g) => (g.gapMs ?? 0) >= minGapMs), `policyholder ${r.kind}: the gap is at least ${minGapMs} ms (${gaps.map((g) => g.gapMs).join(", ")})`);
  }
  // The agent's own network did not break: no network gap on their tracks.
  for (const r of rows.filter((x) => x.role === "agent")) assert.ok(!r.continuity.some((e) => e.cause === "network"), `agent ${r.kind}: no network gap`);
  await assertEvidenceShowsNetworkGap(call, minGapMs);
}

/**
 * The signed evidence package says the same: the offline verifier, from the
 * package alone, lists the phone's hole on both tracks with cause "network".
 */
async function assertEvidenceShowsNetworkGap(call: ImpairedCall, minGapMs: number) {
  const db = new Database(path.join(call.product.dataDir, "claims-survey.db"), { readonly: true });
  let pkg: { status: string; storagePath: string | null } | undefined;
  try {
    const deadline = Date.now() + 300_000;
    for (;;) {
      pkg = db.prepare(`SELECT status, "storagePath" FROM "EvidencePackage" WHERE "surveyId" = ?`).get(call.surveyId) as typeof pkg;
      if (pkg?.status === "ready" || pkg?.status === "failed" || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    db.close();
  }
  assert.equal(pkg?.status, "ready", "the evidence package is built");
  const cli = path.resolve(import.meta.dirname, "../../scripts/cli.mjs");
  const run = spawnSync(process.execPath, [cli, "verify", pkg!.storagePath!, "--survey", call.surveyId, "--json"], { encoding: "utf8" });
  type Gap = { from: string; to: string; ms: number; cause?: string; reason: string };
  type Item = { role: string; kind: string; gaps: Gap[] };
  const verdict = JSON.parse(run.stdout) as { completeness: { status: string; summary: string; items: Item[] } };
  for (const kind of ["audio", "video"]) {
    const item = verdict.completeness.items.find((i) => i.role === "policyholder" && i.kind === kind);
    assert.ok(item, `the evidence has the policyholder's ${kind} (${verdict.completeness.summary})`);
    const network = item.gaps.filter((g) => g.cause === "network");
    assert.ok(network.length >= 1, `the evidence names the policyholder's ${kind} hole with cause "network": ${JSON.stringify(item.gaps)}`);
    assert.ok(network.some((g) => g.ms >= minGapMs - 1000), `the evidence's network hole of the ${kind} spans the outage (${network.map((g) => g.ms).join(", ")} ms)`);
  }
  for (const item of verdict.completeness.items.filter((i) => i.role === "agent")) {
    assert.ok(!item.gaps.some((g) => g.cause === "network"), `agent ${item.kind}: no network hole in the evidence`);
  }
}

test("6(c): a 20 s blackout with a photo taken during it — the call recovers by itself and the photo arrives intact", { timeout: 600_000 }, async (t) => {
  const call = await startImpairedCall({ tag: "blackout", consent: true });
  t.after(() => call.close());
  const { phone, agent, network } = call;
  await waitForVideoFlowing(phone, "agent");
  await waitForVideoFlowing(agent, "policyholder");

  // The agent asks for the plate: the guide is on the phone before the link drops.
  await agent.locator('[data-testid="checklist-item"][data-key="licence_plate"] [data-testid="push-guide"]').click();
  await phone.locator('[data-testid="guide-instruction"][data-item="licence_plate"]').waitFor();

  await network.blackout();
  const blackoutAt = Date.now();
  await waitForVideoStopped(phone, "agent");
  await waitForVideoStopped(agent, "policyholder");
  // The driver takes the photo in the dead spot.
  await phone.getByTestId("shutter").click();
  await new Promise((r) => setTimeout(r, Math.max(0, 20_000 - (Date.now() - blackoutAt))));
  assert.ok((await network.dropped()).filter > 0, "the blackout dropped packets");
  await network.restore();
  const restoredAt = Date.now();
  const restoredOnPage = await phone.evaluate(() => performance.now());

  const [phoneSees, agentSees] = await explainFailure(call, () => Promise.all([waitForVideoFlowing(phone, "agent"), waitForVideoFlowing(agent, "policyholder")]));
  t.diagnostic(`recovery after the 20 s blackout: phone plays the agent again ${phoneSees - restoredAt} ms, agent plays the phone ${agentSees - restoredAt} ms after the link returned`);
  t.diagnostic(`the phone's recovery steps (link restored at ${Math.round(restoredOnPage)}): ${(await callSnapshot(phone)).trace.join(" | ")}`);

  // The photo: the verdict reaches both screens and the stored bytes are the phone's.
  await phone.locator('[data-testid="capture-verdict"][data-item="licence_plate"]').waitFor();
  await agent.locator('[data-testid="capture-verdict"][data-item="licence_plate"]').waitFor();
  const sent = await uploadHashes(phone);
  assert.ok(sent.length >= 1, "the phone sent the photo");
  assert.equal(new Set(sent).size, 1, "every attempt carried the same bytes");
  assert.ok(storedOriginals(call).has(sent[0]!), "the stored original hashes to the bytes the phone sent");

  // Nobody had to do anything: the phone is in the call, with no error on screen.
  assert.equal(await phone.getByTestId("join-button").count(), 0, "no join button: the phone never left the call");
  await assertNoRejoin(call);
  await assertNetworkGaps(call, 15_000, t);
  assert.deepEqual(cspViolations, []);
});

test("6(e): the phone's address changes (Wi-Fi → 4G) — ICE restart on the same session, no rejoin, the gap is logged with its cause", { timeout: 600_000 }, async (t) => {
  const call = await startImpairedCall({ tag: "newaddr", consent: true });
  t.after(() => call.close());
  const { phone, agent, network } = call;
  await waitForVideoFlowing(phone, "agent");
  await waitForVideoFlowing(agent, "policyholder");
  const before = network.phoneAddress;

  const movedAt = Date.now();
  const movedOnPage = await phone.evaluate(() => performance.now());
  const after = await network.changeAddress();
  // Frames already in flight still decode after the switch: media count as back only once both of the
  // phone's transports run over the new address (the ICE restart found the new path) and play after that.
  const deadline = Date.now() + LOADED_MACHINE_WAIT_MS;
  let paths: string[] = [];
  for (;;) {
    paths = await selectedLocalAddresses(phone);
    if (paths.length === 2 && paths.every((a) => a === after)) break;
    if (Date.now() > deadline) assert.fail(`the phone's selected ICE paths are ${paths.join(", ")}, not all from ${after}\nthe phone's recovery steps: ${(await callSnapshot(phone)).trace.join(" | ")}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const pathsBackAt = Date.now();
  const framesOnNewPath = await framesOf(agent, "policyholder");
  const [phoneSees, agentSees] = await explainFailure(call, () => Promise.all([waitForVideoFlowing(phone, "agent"), waitForVideoFlowing(agent, "policyholder")]));
  t.diagnostic(`address ${before} → ${after}: both paths on the new address after ${pathsBackAt - movedAt} ms; then the phone plays the agent after ${phoneSees - movedAt} ms, the agent plays the phone after ${agentSees - movedAt} ms`);
  t.diagnostic(`the phone's recovery steps (address changed at ${Math.round(movedOnPage)}): ${(await callSnapshot(phone)).trace.join(" | ")}`);
  assert.ok((await framesOf(agent, "policyholder")) > framesOnNewPath);
  assert.notEqual(after, before);

  await assertNoRejoin(call);
  await assertNetworkGaps(call, 500, t);
  assert.deepEqual(cspViolations, []);
});

/** A recovery that did not happen: say what the phone's call did and what the server logged about it. */
async function explainFailure<T>(call: ImpairedCall, wait: () => Promise<T>): Promise<T> {
  try {
    return await wait();
  } catch (err) {
    const steps = await callSnapshot(call.phone).then((c) => c.trace).catch(() => ["?"]);
    const serverLines = call.product
      .logs()
      .split("\n")
      .filter((l) => /signalling|resum|ICE|DTLS|transport/i.test(l))
      .slice(-30);
    throw new Error(`${(err as Error).message}\nthe phone's recovery steps: ${steps.join(" | ")}\nserver: ${serverLines.join("\n")}`);
  }
}

/** The local address of the selected ICE candidate pair of each of the phone's transports (send, recv). */
async function selectedLocalAddresses(phone: ImpairedCall["phone"]): Promise<string[]> {
  return phone.evaluate(async () => {
    type Stats = Map<string, Record<string, unknown>>;
    type T = { getStats(): Promise<Stats>; closed: boolean } | null;
    const call = (window as unknown as { __surveyCall: { sendTransport: T; recvTransport: T } }).__surveyCall;
    const out: string[] = [];
    for (const t of [call.sendTransport, call.recvTransport]) {
      if (!t || t.closed) continue;
      const stats = await t.getStats();
      const all = [...stats.values()];
      const transport = all.find((s) => s.type === "transport" && s.selectedCandidatePairId);
      const pair = all.find((s) => s.id === transport?.selectedCandidatePairId) ?? all.find((s) => s.type === "candidate-pair" && s.nominated && s.state === "succeeded");
      const local = all.find((s) => s.id === pair?.localCandidateId);
      if (local) out.push(String(local.address ?? local.ip));
    }
    return out;
  });
}
