// The worker's event stamps are on the monotonic clock Node's process.hrtime
// reads; a start stamped 1.5 s before Node handled it must be placed 1.5 s back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { workerEventMonotonicMs, workerEventWallMs } from "../../media/recording/worker-clock";
import { createTestRouter } from "./helpers";

test("a worker stamp is placed on the wall clock by its lag on the shared monotonic clock", () => {
  assert.equal(workerEventWallMs(98_500, 1_700_000_000_000, 100_000), 1_699_999_998_500);
  assert.equal(workerEventWallMs(100_000, 1_700_000_000_000, 100_000), 1_700_000_000_000);
});

test("a stamp that cannot be on our clock (in the future, or minutes old) falls back to the handling time", () => {
  assert.equal(workerEventWallMs(100_050, 1_700_000_000_000, 100_000), 1_700_000_000_000);
  assert.equal(workerEventWallMs(100_000 - 6 * 60_000, 1_700_000_000_000, 100_000), 1_700_000_000_000);
  assert.equal(workerEventWallMs(Number.NaN, 1_700_000_000_000, 100_000), 1_700_000_000_000);
});

test("on the monotonic clock a stamp is kept as it is, and an implausible one becomes the handling time", () => {
  assert.equal(workerEventMonotonicMs(98_500, 100_000), 98_500);
  assert.equal(workerEventMonotonicMs(100_050, 100_000), 100_000);
  assert.equal(workerEventMonotonicMs(100_000 - 6 * 60_000, 100_000), 100_000);
});

test("with the defaults, a stamp taken from this process's monotonic clock just now maps to about now", () => {
  const stamp = Number(process.hrtime.bigint() / 1_000_000n);
  const mapped = workerEventWallMs(stamp);
  assert.ok(Math.abs(Date.now() - mapped) < 1000, `${Date.now() - mapped} ms off`);
});

test("the real mediasoup worker stamps on the same monotonic clock (a transport's stats stamp is 'now')", async () => {
  const { worker, router } = await createTestRouter();
  try {
    const transport = await router.createPlainTransport({ listenIp: "127.0.0.1", rtcpMux: true, comedia: true });
    const before = Number(process.hrtime.bigint() / 1_000_000n);
    const [stats] = await transport.getStats();
    const after = Number(process.hrtime.bigint() / 1_000_000n);
    assert.ok(stats && stats.timestamp >= before - 5 && stats.timestamp <= after + 5, `worker stamp ${stats?.timestamp} outside [${before}, ${after}]`);
  } finally {
    worker.close();
  }
});
