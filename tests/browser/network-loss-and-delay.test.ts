// Issue 13, case 6(a): 10 % random loss each way on the phone's link (nftables
// in the phone's own namespace) and 200 ms round trip (a relay that holds
// media back 100 ms each way). The call stays up, sound keeps flowing both ways
// with the loss concealed (Opus FEC, NACK for video), the marks say the link
// is not good, and the recording continues.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { LOADED_MACHINE_WAIT_MS } from "../support/browser-session";
import { callNetwork, pollUntil, recordingsOf } from "../support/call-network";
import { audioFrom, callPhase, decodeWhole, startImpairedSurvey } from "../support/impaired-survey";
import { endSurveyWithoutStatement } from "../support/survey-flow";

const step = (s: string) => console.log(`# ${new Date().toISOString().slice(11, 19)} ${s}`);
const IMPAIRED_S = 40;

test("10 % loss and 200 ms RTT: the call stays up, audio flows with loss concealed, the recording continues", { timeout: 900_000 }, async (t) => {
  const s = await startImpairedSurvey({ tag: "lossy", delayMs: 100 });
  t.after(() => s.close());
  const { agent, phone, network, phoneId } = s;
  const agentId = await agent.evaluate(() => (window as unknown as { __surveyCall: { snapshot(): { self: { participantId: string } } } }).__surveyCall.snapshot().self.participantId);
  step("three in the call; phone in its namespace, media through a 100 ms-each-way relay");

  await network.setLoss(10);
  const lossAt = Date.now();
  step("10 % loss each way");

  // The phone sees the impairment it is under: round trip ≥ ~200 ms, loss in its uplink reports.
  const seen = await pollUntil(
    "the phone measures the delay and the loss",
    () => callNetwork(phone, (n) => n.snapshot()),
    (n) => (n.uplink?.rttMs ?? 0) >= 180 && n.level !== null && n.level !== "good",
    LOADED_MACHINE_WAIT_MS,
  );
  step(`phone measures: uplink ${JSON.stringify(seen.uplink)}, downlink ${JSON.stringify(seen.downlink)}, level ${seen.level}`);
  const agentsTile = agent.locator(`[data-testid="remote-tile"][data-role="policyholder"] [data-testid="quality-mark"]`);
  await pollUntil("the agent's tile of the phone is not 'good'", () => agentsTile.getAttribute("data-level"), (l) => l === "fair" || l === "poor", LOADED_MACHINE_WAIT_MS);

  // Audio both ways, measured over an impaired stretch of IMPAIRED_S that starts once both
  // ends have seen the impairment: samples keep arriving, and the share of concealed samples
  // stays far below what 10 % loss without repair would leave audible. The stretch is timed
  // from here, not from lossAt: on a loaded machine seeing the impairment can itself take
  // longer than the stretch, which once left nothing watched.
  const watchFrom = Date.now();
  const start = { atAgent: await audioFrom(agent, phoneId), atPhone: await audioFrom(phone, agentId) };
  const until = watchFrom + IMPAIRED_S * 1000;
  let phases = new Set<string | null>();
  let looks = 0;
  do {
    phases.add(await callPhase(phone));
    phases.add(await callPhase(agent));
    looks += 1;
    await phone.waitForTimeout(2000);
  } while (Date.now() < until);
  step(`watched the call ${looks} times over ${Math.round((Date.now() - watchFrom) / 1000)} s (${Math.round((watchFrom - lossAt) / 1000)} s after the loss began)`);
  const end = { atAgent: await audioFrom(agent, phoneId), atPhone: await audioFrom(phone, agentId) };
  assert.deepEqual([...phases], ["in-call"], "the call stayed up on both ends throughout (no reconnect)");
  for (const [where, a, b] of [["at the agent, from the phone", start.atAgent, end.atAgent], ["at the phone, from the agent", start.atPhone, end.atPhone]] as const) {
    const samples = b.totalSamplesReceived - a.totalSamplesReceived;
    // Silent concealment (comfort noise in DTX pauses) is not sound lost.
    const concealed = b.concealedSamples - b.silentConcealedSamples - (a.concealedSamples - a.silentConcealedSamples);
    const lost = b.packetsLost - a.packetsLost;
    step(`${where}: ${samples} samples, ${concealed} concealed (${((concealed / Math.max(1, samples)) * 100).toFixed(1)} %), ${lost} packets lost`);
    // 48 kHz: at least half the wall-clock time arrived as sound (a loaded machine decodes late, not never).
    assert.ok(samples >= 48_000 * IMPAIRED_S * 0.5, `${where}: audio keeps flowing (${samples} samples in ${IMPAIRED_S} s)`);
    assert.ok(lost > 0, `${where}: the loss really hit the audio (${lost} packets lost)`);
    assert.ok(concealed / samples < 0.3, `${where}: concealment stays bounded (${concealed} of ${samples})`);
  }
  phases = new Set();

  await network.setLoss(0);
  await endSurveyWithoutStatement(agent);
  await agent.getByTestId("survey-status").filter({ hasText: /Ended|已结束/ }).waitFor();
  const rows = await pollUntil("the recordings are finalised", () => recordingsOf(agent, s.surveyId), (r) => r.length >= 6 && r.every((x) => x.status !== "recording"), LOADED_MACHINE_WAIT_MS);
  for (const kind of ["audio", "video"] as const) {
    const mine = rows.filter((r) => r.role === "policyholder" && r.kind === kind);
    assert.ok(mine.length >= 1, `the phone's ${kind} is recorded`);
    const last = mine[mine.length - 1]!;
    assert.equal(last.status, "finalised");
    const covered = mine.reduce((n, r) => n + Math.max(0, Math.min(Date.parse(r.endedAt), until) - Math.max(Date.parse(r.startedAt), watchFrom)), 0);
    assert.ok(covered >= IMPAIRED_S * 1000 * 0.9, `the phone's ${kind} was recorded through the lossy stretch (${covered} ms of ${IMPAIRED_S * 1000})`);
    const decoded = decodeWhole(path.join(s.product.dataDir, "media", last.storageKey));
    assert.ok(decoded.frames > 0, `the phone's ${kind} file decodes (${decoded.frames} frames; ${decoded.errors.length} complaints)`);
    step(`recorded ${kind}: ${mine.length} file(s), ${decoded.frames} frames, continuity ${last.continuity.map((e) => e.type + (e.cause ? `:${e.cause}` : "")).join(", ")}`);
  }
});
