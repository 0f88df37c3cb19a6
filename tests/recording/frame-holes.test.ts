// The holes in a video file's frame times (media/recording/frame-holes.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { frameHoles } from "../../media/recording/frame-holes";

test("stretches of at least the threshold between frames are holes, in time order, whatever the file order", () => {
  assert.deepEqual(frameHoles([0, 66, 133, 1800, 1866, 1933, 2000], 1000), [{ fromMs: 133, toMs: 1800 }]);
  // File order is not time order after a non-monotonic switch: holes are found in time order.
  assert.deepEqual(frameHoles([0, 100, 5000, 200, 3000], 1000), [{ fromMs: 200, toMs: 3000 }, { fromMs: 3000, toMs: 5000 }]);
  assert.deepEqual(frameHoles([0, 999], 1000), [], "just under the threshold is no hole");
  assert.deepEqual(frameHoles([0, 1000], 1000), [{ fromMs: 0, toMs: 1000 }], "the threshold itself is one");
  assert.deepEqual(frameHoles([], 1000), []);
  assert.deepEqual(frameHoles([42], 1000), []);
});
