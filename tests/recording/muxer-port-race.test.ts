// The per-track muxer picks a free UDP port and ffmpeg binds it some time
// later (seconds, on a loaded machine). Another process can take the port in
// between; a CI run saw exactly that ("bind failed: Address already in use")
// reported as a failed track. These tests take the port on purpose, in that
// window, with the real ffmpeg.
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { FfmpegTrackMuxer, MuxerStartError, PORT_RACE_ATTEMPTS } from "../../media/recording/ffmpeg-track-muxer";
import { processOwnsUdpPort } from "../../media/recording/udp-ports";
import { keptLogger, silentLogger } from "./helpers";

const dirs: string[] = [];
const squatters: dgram.Socket[] = [];
after(async () => {
  for (const s of squatters) s.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const opusSdp = (port: number) =>
  ["v=0", "o=- 0 0 IN IP4 127.0.0.1", "s=recording", "c=IN IP4 127.0.0.1", "t=0 0", `m=audio ${port} RTP/AVP 100`, "a=rtpmap:100 opus/48000/2", "a=recvonly", ""].join("\r\n");

/**
 * Binds `port` on 127.0.0.1 from this process, as another process's socket
 * would. Called from the muxer's sdp() (right after its pick, before ffmpeg
 * is spawned); ffmpeg is exec'd only after startDelayMs, so the bind is first.
 * Should it ever lose, the bind fails and the test says so: it cannot pass
 * without the port really having been taken.
 */
function squat(port: number, binds: Promise<void>[]): void {
  const s = dgram.createSocket("udp4");
  squatters.push(s);
  binds.push(
    new Promise<void>((resolve, reject) => {
      s.once("error", (err) => reject(new Error(`the test could not take port ${port} first: ${err.message}`)));
      s.bind(port, "127.0.0.1", () => resolve());
    }),
  );
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "muxer-port-"));
  dirs.push(dir);
  return dir;
}

test("a port taken between the pick and ffmpeg's bind is not a failure: the muxer starts on another port", async () => {
  const dir = await tempDir();
  const offered: number[] = [];
  const binds: Promise<void>[] = [];
  const { logger, lines } = keptLogger("info");
  const muxer = await FfmpegTrackMuxer.start({
    sdp: (port) => {
      offered.push(port);
      if (offered.length === 1) squat(port, binds);
      return opusSdp(port);
    },
    outputPath: path.join(dir, "a.webm"),
    logger,
    startDelayMs: 2000,
  });
  try {
    await Promise.all(binds);
    assert.equal(offered.length, 2, `ports offered: ${offered.join(", ")}`);
    assert.equal(muxer.port, offered[1]);
    assert.ok(muxer.running, "ffmpeg runs");
    assert.ok(await processOwnsUdpPort(muxer.pid, muxer.port), "ffmpeg holds its new port");
    const taken = lines.map((l) => JSON.parse(l) as { msg: string; port?: number }).filter((l) => /port taken/.test(l.msg));
    assert.deepEqual(taken.map((l) => l.port), [offered[0]], "the lost port is logged once");
  } finally {
    await muxer.stop();
  }
});

test(`a port lost ${PORT_RACE_ATTEMPTS} times in a row is reported (MuxerStartError, portTaken) for the caller to retry and report`, async () => {
  const dir = await tempDir();
  const offered: number[] = [];
  const binds: Promise<void>[] = [];
  const err = await FfmpegTrackMuxer.start({
    sdp: (port) => {
      offered.push(port);
      squat(port, binds);
      return opusSdp(port);
    },
    outputPath: path.join(dir, "b.webm"),
    logger: silentLogger,
    startDelayMs: 1000,
  }).then(
    (m) => m,
    (e: unknown) => e,
  );
  await Promise.all(binds);
  assert.ok(err instanceof MuxerStartError, `rejected with a MuxerStartError, got ${String(err)}`);
  assert.equal(err.portTaken, true);
  assert.equal(err.port, offered.at(-1));
  assert.equal(offered.length, PORT_RACE_ATTEMPTS);
  assert.match(err.message, /Address already in use/);
});
