// Issue 13, case 6(b): the phone's uplink capped at 400 kbit/s (tbf in the
// phone's own network namespace). The phone's sent simulcast layer drops, the
// agent's tile of the phone says poor, both are told (translated notices),
// the phone's sound keeps arriving, and the recording goes on through the layer
// switch in one decodable file with the switch in its continuity log.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { LOADED_MACHINE_WAIT_MS } from "../support/browser-session";
import { callNetwork, pollUntil, recordingsOf, sentLayers } from "../support/call-network";
import { audioFrom, callPhase, decodeWhole, frameSizes, startImpairedSurvey } from "../support/impaired-survey";

/** The layer entries the recorder has written so far for the participant's camera (its continuity log file, while it records). */
function liveLayerEntries(dataDir: string, surveyId: string, participantId: string): { spatialLayer?: number | null }[] {
  const dir = path.join(dataDir, "media", surveyId);
  const logs = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(`${participantId}-video`) && f.endsWith(".continuity.jsonl")) : [];
  return logs.flatMap((f) =>
    readFileSync(path.join(dir, f), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; spatialLayer?: number | null })
      .filter((e) => e.type === "layers"),
  );
}

const step = (s: string) => console.log(`# ${new Date().toISOString().slice(11, 19)} ${s}`);

test("uplink capped at 400 kbit/s: the phone's layer drops, the agent's tile says poor, the recording continues", { timeout: 900_000 }, async (t) => {
  const s = await startImpairedSurvey({ tag: "cap" });
  t.after(() => s.close());
  const { agent, phone, network, phoneId } = s;
  step("three in the call; phone in its namespace");

  // Unimpaired, the phone's uplink carries every layer.
  await pollUntil(
    "the phone sends its top layer before the cap",
    async () => ({ layers: await sentLayers(phone), network: await callNetwork(phone, (n) => n.snapshot()) }),
    (v) => v.layers.some((l) => l.rid === "r2" && l.frameHeight > 0),
    LOADED_MACHINE_WAIT_MS * 2,
  );
  step(`before the cap: ${JSON.stringify(await sentLayers(phone))}`);
  // Chromium turns the top layer on as its bandwidth estimate grows, and the SFU moves the recorder's
  // consumer up once that layer is steady: cap only after the recording itself has taken it (its
  // continuity log on disk says so), so the switch down is the cap's doing and the top layer is on file.
  await pollUntil("the recording of the phone's camera takes the top layer", async () => liveLayerEntries(s.product.dataDir, s.surveyId, phoneId), (es) => es.some((e) => e.spatialLayer === 2), LOADED_MACHINE_WAIT_MS * 2);

  await network.capRate({ upKbit: 400 });
  const capAt = Date.now();
  step("uplink capped at 400 kbit/s");

  // The top layer stops leaving the phone (the guard sends only the lowest one).
  const layersAfter = await pollUntil(
    "the phone stops sending its top layer",
    async () => {
      const a = await sentLayers(phone);
      await phone.waitForTimeout(4000);
      const b = await sentLayers(phone);
      return b.map((l) => ({ rid: l.rid, bytesIn4s: l.bytesSent - (a.find((x) => x.rid === l.rid)?.bytesSent ?? 0) }));
    },
    (ls) => ls.length === 3 && (ls.find((l) => l.rid === "r2")?.bytesIn4s ?? 0) < 2000 && (ls.find((l) => l.rid === "r0")?.bytesIn4s ?? 0) > 2000,
    LOADED_MACHINE_WAIT_MS * 2,
  );
  step(`after the cap (${Math.round((Date.now() - capAt) / 1000)} s): ${JSON.stringify(layersAfter)}`);
  // The guard lowered the video, and for the network: the samples behind it say the encoder was held back by bandwidth (or lost packets).
  const change = await pollUntil("the phone's guard lowered its video", () => callNetwork(phone, (n) => n.snapshot()), (n) => n.videoMode !== "full" && n.lastModeChange !== null, LOADED_MACHINE_WAIT_MS);
  step(`guard: ${change.videoMode} because ${JSON.stringify(change.lastModeChange?.because)}`);
  assert.ok(
    change.lastModeChange!.because.some((u) => u.limitedBy === "bandwidth" || (u.loss ?? 0) > 0.08 || (u.rttMs ?? 0) > 500),
    "the video was lowered on network evidence, not for a starved processor",
  );

  // The agent's tile of the phone says poor, with the reason in its tooltip; both sides get a notice.
  const phoneTileMark = agent.locator(`[data-testid="remote-tile"][data-role="policyholder"] [data-testid="quality-mark"]`);
  await pollUntil("the agent's tile of the phone says poor", () => phoneTileMark.getAttribute("data-level"), (l) => l === "poor", LOADED_MACHINE_WAIT_MS);
  const tooltip = (await phoneTileMark.getAttribute("title")) ?? "";
  assert.match(tooltip, /Poor connection/);
  await phone.getByTestId("net-self-notice").waitFor();
  assert.match((await phone.getByTestId("net-self-notice").textContent()) ?? "", /网络信号/, "the phone's notice is in its language (zh-CN)");
  const peerNotice = agent.locator(`[data-testid="net-peer-notice"][data-participant="${phoneId}"]`);
  await peerNotice.waitFor();
  assert.match((await peerNotice.textContent()) ?? "", /connection is weak/);
  step(`agent's tile: poor (${tooltip}); notices shown`);

  // The call stays up and the phone's sound keeps arriving at the agent.
  const a1 = await audioFrom(agent, phoneId);
  await agent.waitForTimeout(5000);
  const a2 = await audioFrom(agent, phoneId);
  assert.ok(a2.totalSamplesReceived > a1.totalSamplesReceived, `the phone's audio keeps arriving (${a1.totalSamplesReceived} → ${a2.totalSamplesReceived})`);
  assert.equal(await callPhase(phone), "in-call");

  // Let the capped stretch be recorded for a while, then end.
  await phone.waitForTimeout(Math.max(0, 20_000 - (Date.now() - capAt)));
  await agent.getByTestId("end-survey").click();
  await agent.getByTestId("survey-status").filter({ hasText: /Ended|已结束/ }).waitFor();
  const rows = await pollUntil("the recordings are finalised", () => recordingsOf(agent, s.surveyId), (r) => r.length >= 6 && r.every((x) => x.status !== "recording"), LOADED_MACHINE_WAIT_MS);
  const video = rows.filter((r) => r.role === "policyholder" && r.kind === "video");
  assert.equal(video.length, 1, "one file for the phone's camera: the cap did not break the recording into pieces");
  const v = video[0]!;
  assert.equal(v.status, "finalised");
  const layerEntries = v.continuity.filter((e) => e.type === "layers");
  assert.ok(layerEntries.some((e) => e.spatialLayer === 2), `the recording took the top layer while it came (${JSON.stringify(layerEntries)})`);
  const drop = layerEntries.find((e) => (e.spatialLayer ?? 99) < 2 && Date.parse(e.at) >= capAt - 1000);
  assert.ok(drop, `the layer switch under the cap is in the continuity log (${JSON.stringify(layerEntries)})`);
  assert.ok(Date.parse(v.endedAt) - Date.parse(drop.at) >= 5000, "and the file goes on after the switch");
  const file = path.join(s.product.dataDir, "media", v.storageKey);
  const decoded = decodeWhole(file);
  assert.deepEqual(decoded.errors, [], "the whole file decodes across the layer switch");
  // ffprobe: the file carries the top layer's picture and, after the switch, a smaller one, in one stream.
  const sizes = frameSizes(file);
  step(`recorded picture sizes: ${JSON.stringify(sizes)}`);
  assert.ok(sizes.some((x) => x.size === "1280×720"), `the top layer (1280×720) is in the file (${JSON.stringify(sizes)})`);
  assert.ok(sizes.some((x) => x.size !== "1280×720"), `the lowered layer is in the same file (${JSON.stringify(sizes)})`);
  const spanS = (Date.parse(v.endedAt) - Date.parse(v.startedAt)) / 1000;
  assert.ok(decoded.frames >= spanS * 3, `frames throughout (${decoded.frames} frames over ${spanS.toFixed(1)} s)`);
  const audio = rows.find((r) => r.role === "policyholder" && r.kind === "audio")!;
  assert.equal(audio.status, "finalised");
  assert.ok(Date.parse(audio.endedAt) - capAt >= 15_000, "the phone's sound was recorded through the capped stretch");
  step(`recording: ${decoded.frames} frames, layers ${layerEntries.map((e) => e.spatialLayer).join("→")}`);
});
