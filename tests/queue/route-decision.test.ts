// The routing rule engine on plain facts: every rule of a queue, one at a time.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseQueueRules, type QueueRules } from "../../server/queue/queue-rules";
import { decideOffers, queuePosition, type AgentFacts, type EntryFacts } from "../../server/queue/route-decision";

const T0 = Date.parse("2026-12-02T10:00:00Z");

function entry(id: string, over: Partial<EntryFacts> = {}): EntryFacts {
  return { id, queueId: "motor", vip: false, mode: "live", claimType: "motor_collision", language: "zh-CN", region: "SH", enteredAtMs: T0, preferredAgentId: null, stickyAgentId: null, passedBy: [], ...over };
}
function agent(id: string, over: Partial<AgentFacts> = {}): AgentFacts {
  return { id, queueIds: ["motor"], skills: { claimTypes: [], languages: [], regions: [] }, readySinceMs: T0, answeredCount: 0, ...over };
}
function rulesOf(over: Record<string, unknown> = {}, overflowOver: Record<string, unknown> = {}): Map<string, QueueRules> {
  return new Map([
    ["motor", parseQueueRules(JSON.stringify(over))],
    ["overflow", parseQueueRules(JSON.stringify(overflowOver))],
  ]);
}
const decide = (waiting: EntryFacts[], ready: AgentFacts[], rules = rulesOf(), nowMs = T0 + 1000) => decideOffers({ nowMs, rules, waiting, ready });

describe("route decision", () => {
  it("offers the longest-waiting entry to the longest-idle agent", () => {
    const d = decide([entry("late", { enteredAtMs: T0 + 500 }), entry("early")], [agent("a2", { readySinceMs: T0 + 100 }), agent("a1")]);
    assert.deepEqual(d, [
      { entryId: "early", agentId: "a1", reason: "longest-idle" },
      { entryId: "late", agentId: "a2", reason: "longest-idle" },
    ]);
  });

  it("serves a VIP first, and not when the queue turns VIP-first off", () => {
    const waiting = [entry("plain"), entry("vip", { vip: true, enteredAtMs: T0 + 900 })];
    assert.equal(decide(waiting, [agent("a1")])[0]!.entryId, "vip");
    assert.equal(decide(waiting, [agent("a1")], rulesOf({ vipFirst: false }))[0]!.entryId, "plain");
  });

  it("serves live drivers before callbacks entered earlier", () => {
    const d = decide([entry("cb", { mode: "callback", enteredAtMs: T0 - 60_000 }), entry("live")], [agent("a1")]);
    assert.equal(d[0]!.entryId, "live");
  });

  it("matches claim type and language skills; region only when the queue asks", () => {
    const waiting = [entry("glass-en", { claimType: "motor_glass", language: "en", region: "BJ" })];
    const ready = [
      agent("zh-only", { skills: { claimTypes: [], languages: ["zh-CN"], regions: [] } }),
      agent("collision-only", { skills: { claimTypes: ["motor_collision"], languages: [], regions: [] } }),
      agent("sh-en-glass", { skills: { claimTypes: ["motor_glass"], languages: ["en"], regions: ["SH"] }, readySinceMs: T0 + 50 }),
    ];
    assert.deepEqual(decide(waiting, ready).map((x) => x.agentId), ["sh-en-glass"]);
    assert.deepEqual(decide(waiting, ready, rulesOf({ matchSkills: { claimType: true, language: true, region: true } })), []);
  });

  it("waits for a returning policyholder's last agent within the sticky window, then takes anyone", () => {
    const waiting = [entry("back", { stickyAgentId: "previous" })];
    const others = [agent("other")];
    assert.deepEqual(decide(waiting, others, rulesOf({ stickyWaitSec: 30 }), T0 + 10_000), []);
    assert.deepEqual(decide(waiting, [...others, agent("previous", { readySinceMs: T0 + 5 })], rulesOf({ stickyWaitSec: 30 }), T0 + 10_000), [
      { entryId: "back", agentId: "previous", reason: "sticky" },
    ]);
    assert.deepEqual(decide(waiting, others, rulesOf({ stickyWaitSec: 30 }), T0 + 30_000), [{ entryId: "back", agentId: "other", reason: "longest-idle" }]);
  });

  it("keeps a sticky agent for its policyholder even when a VIP came first", () => {
    const d = decide([entry("vip", { vip: true }), entry("back", { stickyAgentId: "previous", enteredAtMs: T0 + 200 })], [agent("previous")]);
    assert.deepEqual(d, [{ entryId: "back", agentId: "previous", reason: "sticky" }]);
  });

  it("a designated agent is waited for, and not after they passed on it", () => {
    const waiting = [entry("asked", { preferredAgentId: "chosen" })];
    assert.deepEqual(decide(waiting, [agent("other")]), []);
    assert.equal(decide(waiting, [agent("other"), agent("chosen", { readySinceMs: T0 + 9 })])[0]!.agentId, "chosen");
    assert.equal(decide([entry("asked", { preferredAgentId: "chosen", passedBy: ["chosen"] })], [agent("other")])[0]!.agentId, "other");
  });

  it("least-busy picks the agent who answered fewest", () => {
    const ready = [agent("busy", { answeredCount: 9 }), agent("calm", { answeredCount: 1, readySinceMs: T0 + 500 })];
    assert.equal(decide([entry("e")], ready, rulesOf({ strategy: "least-busy" }))[0]!.agentId, "calm");
    assert.equal(decide([entry("e")], ready)[0]!.agentId, "busy");
  });

  it("overflows to the second group only after the overflow wait", () => {
    const rules = rulesOf({ overflowAfterSec: 60, overflowQueueId: "overflow" });
    const ready = [agent("second", { queueIds: ["overflow"] })];
    assert.deepEqual(decide([entry("e")], ready, rules, T0 + 59_000), []);
    assert.deepEqual(decide([entry("e")], ready, rules, T0 + 60_000), [{ entryId: "e", agentId: "second", reason: "overflow" }]);
  });

  it("never offers an entry again to an agent who passed on it", () => {
    const e = entry("e", { passedBy: ["a1"] });
    assert.equal(decide([e], [agent("a1"), agent("a2", { readySinceMs: T0 + 999 })])[0]!.agentId, "a2");
    assert.deepEqual(decide([e], [agent("a1")]), []);
  });

  it("never gives one agent two entries or one entry two agents", () => {
    const waiting = Array.from({ length: 50 }, (_, i) => entry(`e${i}`, { enteredAtMs: T0 + i, vip: i % 7 === 0 }));
    const ready = Array.from({ length: 20 }, (_, i) => agent(`a${i}`, { readySinceMs: T0 + i }));
    const d = decide(waiting, ready);
    assert.equal(d.length, 20);
    assert.equal(new Set(d.map((x) => x.agentId)).size, 20);
    assert.equal(new Set(d.map((x) => x.entryId)).size, 20);
    // All 8 VIPs (0, 7, ..., 49) are among the 20 served.
    assert.deepEqual(d.slice(0, 8).map((x) => x.entryId), ["e0", "e7", "e14", "e21", "e28", "e35", "e42", "e49"]);
  });

  it("tells the position in the queue", () => {
    const rules = rulesOf();
    const waiting = [entry("a"), entry("b", { enteredAtMs: T0 + 1 }), entry("v", { vip: true, enteredAtMs: T0 + 2 }), entry("other-q", { queueId: "overflow" })];
    assert.equal(queuePosition(waiting[1]!, waiting, rules), 3);
    assert.equal(queuePosition(waiting[2]!, waiting, rules), 1);
  });

  it("reads a queue stored with no rules with the defaults", () => {
    const r = parseQueueRules("{}");
    assert.equal(r.strategy, "longest-idle");
    assert.equal(r.vipFirst, true);
    assert.equal(parseQueueRules("not json").offerTimeoutSec, 20);
  });
});
