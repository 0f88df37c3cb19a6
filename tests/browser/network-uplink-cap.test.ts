// Issue 13, case 6(b): the phone's uplink capped at 400 kbit/s (tbf in the
// phone's own network namespace). The phone's sent simulcast layer drops, the
// agent's tile of the phone says poor, both are told (translated notices),
// the phone's sound keeps arriving, and the recording goes on through the layer
// switch in one decodable file with the switch in its continuity log.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { LOADED_MACHINE_WAIT_MS } from "../support/browser-session";
import { callNetwork, pollUntil, recordingsOf, sentLayers, settledOnTopLayer } from "../support/call-network";
import { audioFrom, callPhase, decodeWhole, frameSizes, startImpairedSurvey } from "../support/impaired-survey";
import { endSurveyWithoutStatement } from "../support/survey-flow";

const step = (s: string) => console.log(`# ${new Date().toISOString().slice(11, 19)} ${s}`);

test("uplink capped at 400 kbit/s: the phone's layer drops, the agent's tile says poor, the recording continues", { timeout: 900_000 }, async (t) => {
  const s = await startImpairedSurvey({ tag: "cap" });
  t.after(() => s.close());
  const { agent, phone, network, phoneId } = s;
  step("three in the call; phone in its namespace");

  // Unimpaired, the phone sends its layers and the recording takes the best of them. Chromium turns the
  // upper layers on as its bandwidth estimate grows (slowly on a loaded machine, where it may never reach
  // the top one), and the SFU moves the recorder's consumer up once a layer is steady. So the cap waits for
  // a settled call: the guard at full video, at least two layers leaving the phone, and the recording (its
  // continuity log on disk) on the highest layer that leaves it. The switch down is then the cap's doing.
  const settled = await settledOnTopLayer(phone, s.product.dataDir, s.surveyId, phoneId, LOADED_MACHINE_WAIT_MS * 2);
  const topLayer = settled.top;
  const topSize = `${1280 >> (2 - topLayer)}×${720 >> (2 - topLayer)}`;
  step(`before the cap: recording on layer ${topLayer} (${topSize}); sent ${JSON.stringify(settled.layers)}`);

  await network.capRate({ upKbit: 400 });
  const capAt = Date.now();
  step("uplink capped at 400 kbit/s");

  // The layers above the lowest stop leaving the phone (the guard sends only the lowest one).
  const layersAfter = await pollUntil(
    "the phone sends only its lowest layer",
    async () => {
      const a = await sentLayers(phone);
      await phone.waitForTimeout(4000);
      const b = await sentLayers(phone);
      return b.map((l) => ({ rid: l.rid, bytesIn4s: l.bytesSent - (a.find((x) => x.rid === l.rid)?.bytesSent ?? 0) }));
    },
    (ls) => ls.length === 3 && ls.every((l) => l.rid === "r0" || l.bytesIn4s < 2000) && (ls.find((l) => l.rid === "r0")?.bytesIn4s ?? 0) > 2000,
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
  await endSurveyWithoutStatement(agent);
  await agent.getByTestId("survey-status").filter({ hasText: /Ended|已结束/ }).waitFor();
  const rows = await pollUntil("the recordings are finalised", () => recordingsOf(agent, s.surveyId), (r) => r.length >= 6 && r.every((x) => x.status !== "recording"), LOADED_MACHINE_WAIT_MS);
  const video = rows.filter((r) => r.role === "policyholder" && r.kind === "video");
  assert.equal(video.length, 1, "one file for the phone's camera: the cap did not break the recording into pieces");
  const v = video[0]!;
  assert.equal(v.status, "finalised");
  const layerEntries = v.continuity.filter((e) => e.type === "layers");
  assert.ok(layerEntries.some((e) => e.spatialLayer === topLayer), `the recording took the best layer while it came (${JSON.stringify(layerEntries)})`);
  const drop = layerEntries.find((e) => (e.spatialLayer ?? 99) < topLayer && Date.parse(e.at) >= capAt - 1000);
  assert.ok(drop, `the layer switch under the cap is in the continuity log (${JSON.stringify(layerEntries)})`);
  assert.ok(Date.parse(v.endedAt) - Date.parse(drop.at) >= 5000, "and the file goes on after the switch");
  const file = path.join(s.product.dataDir, "media", v.storageKey);
  const decoded = decodeWhole(file);
  assert.deepEqual(decoded.errors, [], "the whole file decodes across the layer switch");
  // ffprobe: the file carries the best layer's picture and, after the switch, a smaller one, in one stream.
  const sizes = frameSizes(file);
  step(`recorded picture sizes: ${JSON.stringify(sizes)}`);
  assert.ok(sizes.some((x) => x.size === topSize), `the best layer before the cap (${topSize}) is in the file (${JSON.stringify(sizes)})`);
  assert.ok(sizes.some((x) => x.size !== topSize), `the lowered layer is in the same file (${JSON.stringify(sizes)})`);
  const spanS = (Date.parse(v.endedAt) - Date.parse(v.startedAt)) / 1000;
  assert.ok(decoded.frames >= spanS * 3, `frames throughout (${decoded.frames} frames over ${spanS.toFixed(1)} s)`);
  const audio = rows.find((r) => r.role === "policyholder" && r.kind === "audio")!;
  assert.equal(audio.status, "finalised");
  assert.ok(Date.parse(audio.endedAt) - capAt >= 15_000, "the phone's sound was recorded through the capped stretch");
  step(`recording: ${decoded.frames} frames, layers ${layerEntries.map((e) => e.spatialLayer).join("→")}`);
});
