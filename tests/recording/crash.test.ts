// A server that dies by SIGKILL mid-recording must leave playable files and a
// readable continuity log, and nothing it started may keep running: the
// mediasoup worker exits when its channel closes, the kernel kills the ffmpeg
// muxers (pdeathsig). The files then lack Cues/Duration until repairRecording.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { readdir, readFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import { continuityEntrySchema } from "../../media/recording/continuity-log";
import { repairRecording } from "../../media/recording/repair-recording";
import { decodesFirstSecond, makeTestMedia, packetTimes, probe, sleep, type TestMedia } from "./helpers";

let dir: string;
let media: TestMedia;
const strays: number[] = [];

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "rec-crash-"));
  media = await makeTestMedia(dir);
});

after(async () => {
  for (const pid of strays) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  await rm(dir, { recursive: true, force: true });
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    // A zombie still answers signal 0; it is dead for our purpose.
    return !/^\S+ \(.*\) Z/.test(execFileSync("cat", [`/proc/${pid}/stat`]).toString());
  } catch {
    return false;
  }
};
const childrenOf = (pid: number): number[] => {
  try {
    return execFileSync("pgrep", ["-P", String(pid)]).toString().trim().split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

test("SIGKILL mid-recording leaves playable files, a readable log and no orphan processes", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "fixtures/crash-child.ts"), dir, media.video, media.audio], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  strays.push(child.pid!);
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`child exited early (${code})`)));
  });
  const info = JSON.parse(line) as { workerPid: number; senderPids: number[]; startedAt: number; root: string };
  strays.push(info.workerPid, ...info.senderPids);
  await sleep(6_000);
  const descendants = childrenOf(child.pid!);
  const comm = new Map(descendants.map((p) => [p, execFileSync("cat", [`/proc/${p}/comm`]).toString().trim()]));
  const killedAt = Date.now();
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));

  // Test fixtures (the RTP senders) are the test's business, not the recorder's.
  for (const pid of info.senderPids) process.kill(pid, "SIGKILL");
  const recorderOwned = descendants.filter((p) => !info.senderPids.includes(p));
  assert.ok(recorderOwned.includes(info.workerPid), "the mediasoup worker was a child of the server");
  const muxers = recorderOwned.filter((p) => comm.get(p) === "ffmpeg");
  assert.equal(muxers.length, 2, `one ffmpeg muxer per track (children: ${[...comm.values()].join(", ")})`);
  const deadline = Date.now() + 5_000;
  while (recorderOwned.some(alive) && Date.now() < deadline) await sleep(100);
  assert.deepEqual(recorderOwned.filter(alive), [], "every process the server started exited within 5 s");

  const folder = path.join(info.root, "survey-crash");
  const names = (await readdir(folder)).sort();
  assert.deepEqual(names, ["ph1-audio-1.continuity.jsonl", "ph1-audio-1.webm", "ph1-video-1.continuity.jsonl", "ph1-video-1.webm"]);
  const recordedS = (killedAt - info.startedAt) / 1000;
  for (const kind of ["audio", "video"] as const) {
    const file = path.join(folder, `ph1-${kind}-1.webm`);
    const p = await probe(file);
    assert.equal(p.codec, kind === "video" ? "vp8" : "opus");
    assert.ok(await decodesFirstSecond(file, kind), `${kind}: a frame decodes in the first second`);
    const times = await packetTimes(file);
    const spanS = times.at(-1)! - times[0]!;
    // Killed with the server: at most the cluster in progress (≤ 1 s) is lost.
    assert.ok(spanS >= recordedS - 1.5, `${kind}: ${spanS.toFixed(2)} s kept of ${recordedS.toFixed(2)} s recorded`);
    assert.ok(Number.isNaN(p.durationS), "no trailer was written (the muxer died with the server)");
    await repairRecording(file);
    const repaired = await probe(file);
    assert.ok(Math.abs(repaired.durationS - spanS) < 0.5, `${kind}: repair adds Duration (${repaired.durationS} s for ${spanS.toFixed(2)} s)`);
    assert.ok(await decodesFirstSecond(file, kind));
    const log = (await readFile(path.join(folder, `ph1-${kind}-1.continuity.jsonl`), "utf8"))
      .trim().split("\n").map((l) => continuityEntrySchema.parse(JSON.parse(l)));
    assert.equal(log[0]!.type, "start");
    assert.equal(log[0]!.file, `survey-crash/ph1-${kind}-1.webm`);
  }
});
