// The hole a participant's network tears into a producer is found and
// measured, even when it is short (an address change that ICE heals in under
// two seconds), and only when the connection showed trouble: a real worker,
// a real Opus stream over RTP, and a relay that drops every packet while the
// "network" is down.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { NetworkGapWatch, type NetworkGap } from "../../media/network-gap-watch";
import { createSyntheticProducer, createTestRouter, makeTestMedia, sleep } from "./helpers";

/** Waits until packets arrived in the last reading windows: the stream is flowing. */
async function flowing(p: { getStats(): Promise<{ type: string; packetCount?: number }[]> }) {
  const count = async () => (await p.getStats()).reduce((n, s) => n + (s.type === "inbound-rtp" ? Number(s.packetCount ?? 0) : 0), 0);
  const first = await count();
  const deadline = Date.now() + 60_000;
  while ((await count()) <= first) {
    if (Date.now() > deadline) throw new Error("the synthetic stream never flowed");
    await sleep(100);
  }
}

test("a short network hole is logged with its length and cause; the same silence without trouble is not", { timeout: 180_000 }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "gap-watch-"));
  const { worker, router } = await createTestRouter();
  try {
    const media = await makeTestMedia(dir, 40);
    let down: { from: number; to: number } | null = null;
    const dropping = () => down !== null && Date.now() >= down.from && Date.now() < down.to;
    const src = await createSyntheticProducer(router, "audio", media.audio, { drop: dropping });
    const gaps: NetworkGap[] = [];
    const watch = new NetworkGapWatch((g) => gaps.push(g));
    try {
      watch.watch(src.producer);
      await flowing(src.producer);
      await sleep(2500); // the watch has read the stream a few times

      // 1. Trouble (the phone asked for an ICE restart) and a 1.6 s hole.
      const hole1 = { from: Date.now(), to: Date.now() + 1600 };
      down = hole1;
      watch.troubleSeen("ice-restart");
      const deadline1 = Date.now() + 60_000;
      while (gaps.length === 0 && Date.now() < deadline1) await sleep(100);
      assert.equal(gaps.length, 1, "the hole is reported once media flows again");
      const g = gaps[0]!;
      assert.equal(g.producerId, src.producer.id);
      assert.equal(g.kind, "audio");
      assert.deepEqual(g.signs, ["ice-restart"]);
      // The reported span covers the hole: from a reading that still saw packets to one that saw them again.
      assert.ok(g.fromMs <= hole1.from, `starts at or before the hole (${g.fromMs - hole1.from} ms)`);
      assert.ok(g.toMs >= hole1.to, `ends at or after the hole (${g.toMs - hole1.to} ms)`);

      // 2. Seconds after that trouble, the same silence (a sender that went quiet) is not a network hole.
      await sleep(6000);
      const hole2 = { from: Date.now(), to: Date.now() + 1600 };
      down = hole2;
      await sleep(1600);
      await flowing(src.producer);
      await sleep(2500);
      assert.equal(gaps.length, 1, `no second report without trouble (${JSON.stringify(gaps.slice(1).map((x) => ({ from: x.fromMs - hole1.from, to: x.toMs - hole1.from })))}, hole 2 at ${hole2.from - hole1.from})`);
    } finally {
      watch.close();
      src.close();
    }
  } finally {
    worker.close();
    await rm(dir, { recursive: true, force: true });
  }
});
