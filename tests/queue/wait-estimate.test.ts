// The waiting driver's estimate on plain numbers: who is ready, who is on duty,
// how long recent surveys took.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { averageHandlingSec, DEFAULT_HANDLING_SEC, estimateWaitSec } from "../../server/queue/wait-estimate";

describe("wait estimate", () => {
  it("is nothing to wait for when a ready agent is there for this place", () => {
    assert.equal(estimateWaitSec({ position: 1, readyAgents: 1, occupiedAgents: 0, averageHandlingSec: 200 }), 0);
    assert.equal(estimateWaitSec({ position: 2, readyAgents: 2, occupiedAgents: 3, averageHandlingSec: 200 }), 0);
  });

  it("counts rounds of the average handling time shared among the agents on duty", () => {
    // One agent in a survey, nobody ready: the first in line waits one survey.
    assert.equal(estimateWaitSec({ position: 1, readyAgents: 0, occupiedAgents: 1, averageHandlingSec: 240 }), 240);
    assert.equal(estimateWaitSec({ position: 2, readyAgents: 0, occupiedAgents: 1, averageHandlingSec: 240 }), 480);
    // Two on duty, one ready: place 1 is taken now; places 2 and 3 wait one round, 4 two.
    assert.equal(estimateWaitSec({ position: 3, readyAgents: 1, occupiedAgents: 1, averageHandlingSec: 100 }), 100);
    assert.equal(estimateWaitSec({ position: 4, readyAgents: 1, occupiedAgents: 1, averageHandlingSec: 100 }), 200);
    assert.equal(estimateWaitSec({ position: 5, readyAgents: 0, occupiedAgents: 2, averageHandlingSec: 90.4 }), 271);
  });

  it("gives no number when no agent is on duty", () => {
    assert.equal(estimateWaitSec({ position: 1, readyAgents: 0, occupiedAgents: 0, averageHandlingSec: 100 }), null);
  });

  it("averages answer-to-wrap-up per agent, skipping surveys still running, with a default when there is no history", () => {
    assert.equal(averageHandlingSec([], []), DEFAULT_HANDLING_SEC);
    const answers = [
      { agentId: "a", atMs: 0 },
      { agentId: "b", atMs: 10_000 },
      { agentId: "a", atMs: 500_000 },
      { agentId: "c", atMs: 20_000 },
    ];
    // a: 0 → 120 s; b: 10 → 190 s (180 s); a again: 500 s → 800 s (300 s); c has not ended yet.
    const wrapUps = [
      { agentId: "a", atMs: 800_000 },
      { agentId: "b", atMs: 190_000 },
      { agentId: "a", atMs: 120_000 },
    ];
    assert.equal(averageHandlingSec(answers, wrapUps), (120 + 180 + 300) / 3);
    assert.equal(averageHandlingSec([{ agentId: "c", atMs: 0 }], wrapUps), DEFAULT_HANDLING_SEC);
  });
});
