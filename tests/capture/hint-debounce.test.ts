// When the phone's live hint shows and goes (app/_lib/capture/hint-debounce.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { hintDecision } from "../../app/_lib/capture/hint-debounce";

test("one bad frame shows nothing; two of three agreeing show the hint", () => {
  assert.equal(hintDecision(["motion_blur"], false), "keep");
  assert.equal(hintDecision([null, "motion_blur"], false), "clear");
  assert.deepEqual(hintDecision(["motion_blur", "motion_blur"], false), { show: "motion_blur" });
  assert.deepEqual(hintDecision(["glare", null, "glare"], false), { show: "glare" });
  // Three frames, three different defects: nothing agreed, nothing to say yet.
  assert.equal(hintDecision(["glare", "motion_blur", "underexposure"], false), "clear");
});

test("a hint stays through one clean frame and goes after two", () => {
  assert.equal(hintDecision(["motion_blur", "motion_blur", null], true), "keep");
  assert.equal(hintDecision(["motion_blur", null, null], true), "clear");
});

test("a hint changes to the defect two frames agree on, not to a single other frame", () => {
  assert.equal(hintDecision(["motion_blur", null, "glare"], true), "keep");
  assert.deepEqual(hintDecision(["motion_blur", "glare", "glare"], true), { show: "glare" });
});
