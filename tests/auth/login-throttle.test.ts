// The back-off schedule of the log-in throttle, on its own clock (the HTTP behaviour is
// tested against the running product in tests/api/abuse-limits.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { LoginThrottle, LoginThrottledError } from "../../server/auth/login-throttle";

function throttle() {
  let now = 1_000_000;
  const t = new LoginThrottle({ freeFailuresPerAccount: 3, freeFailuresPerAddress: 10, baseLockMs: 1000, maxLockMs: 8000, forgetAfterMs: 60_000, maxEntries: 100 }, () => now);
  return { t, advance: (ms: number) => (now += ms) };
}

const lockOf = (fn: () => void) => {
  try {
    fn();
    return 0;
  } catch (err) {
    assert.ok(err instanceof LoginThrottledError);
    return err.retryAfterSeconds;
  }
};

test("each failure past the free ones doubles the lock, up to the maximum", () => {
  const { t, advance } = throttle();
  for (let i = 0; i < 2; i++) t.begin("a@x", "1.1.1.1")(false);
  t.begin("a@x", "1.1.1.1")(false); // third: locks 1 s
  assert.equal(lockOf(() => t.begin("a@x", "1.1.1.1")), 1);
  const locks: number[] = [];
  for (let i = 0; i < 5; i++) {
    advance(60_000 - 1); // past any lock, not yet forgotten
    t.begin("a@x", "1.1.1.1")(false);
    locks.push(lockOf(() => t.begin("a@x", "1.1.1.1")));
  }
  assert.deepEqual(locks, [2, 4, 8, 8, 8]);
});

test("a success clears the account; failures are forgotten after a quiet period", () => {
  const { t, advance } = throttle();
  for (let i = 0; i < 2; i++) t.begin("b@x", "2.2.2.2")(false);
  t.begin("b@x", "2.2.2.2")(true);
  for (let i = 0; i < 2; i++) t.begin("b@x", "2.2.2.2")(false);
  assert.equal(lockOf(() => t.begin("b@x", "2.2.2.2")(false)), 0, "two failures after the success are still free");
  assert.ok(lockOf(() => t.begin("b@x", "2.2.2.2")) > 0);
  advance(61_000 + 1000);
  assert.equal(lockOf(() => t.begin("b@x", "2.2.2.2")(false)), 0, "forgotten");
});

test("another account from another address is not affected", () => {
  const { t } = throttle();
  for (let i = 0; i < 3; i++) t.begin("c@x", "3.3.3.3")(false);
  assert.ok(lockOf(() => t.begin("c@x", "3.3.3.3")) > 0);
  assert.equal(lockOf(() => t.begin("d@x", "4.4.4.4")(false)), 0);
});
