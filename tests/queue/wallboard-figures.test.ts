// The wallboard's figures on hand-built event lists: each definition, and the
// edges (abandoned before any offer, a callback, a wait across midnight, a
// survey ending after midnight), and "today" in a time zone.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dayWindow, isTimeZone } from "../../server/queue/day-window";
import { computeWallboard, type WallboardEvent, type WallboardFacts } from "../../server/queue/wallboard-figures";

// Today in Asia/Shanghai: 2026-12-02 00:00 +08:00 = 2026-12-01T16:00Z.
const FROM = Date.parse("2026-12-01T16:00:00Z");
const TO = FROM + 86_400_000;
const at = (localHHMMSS: string) => Date.parse(`2026-12-02T${localHHMMSS}+08:00`);

let seq = 0;
function ev(type: string, atMs: number, over: Partial<WallboardEvent> = {}): WallboardEvent {
  seq++;
  return { id: `e${String(seq).padStart(4, "0")}`, type, atMs, entryId: null, queueId: "q1", agentId: null, payload: {}, ...over };
}
const entry = (entryId: string, queueId = "q1") => ({
  entered: (ms: number) => ev("entered", ms, { entryId, queueId }),
  callback: (ms: number) => ev("callback", ms, { entryId, queueId }),
  offered: (ms: number, agentId: string) => ev("offered", ms, { entryId, queueId, agentId }),
  declined: (ms: number, agentId: string) => ev("declined", ms, { entryId, queueId, agentId }),
  answered: (ms: number, agentId: string, waitedMs?: number) => ev("answered", ms, { entryId, queueId, agentId, payload: waitedMs === undefined ? {} : { waitedMs } }),
  abandoned: (ms: number, reason = "left") => ev("abandoned", ms, { entryId, queueId, payload: { reason } }),
});
const wrapUp = (ms: number, agentId: string) => ev("agent.state", ms, { agentId, queueId: null, payload: { state: "wrapup" } });

function facts(events: WallboardEvent[], over: Partial<WallboardFacts> = {}): WallboardFacts {
  return {
    nowMs: at("12:00:00"),
    fromMs: FROM,
    toMs: TO,
    queues: [
      { id: "q1", name: "roadside", label: {}, serviceLevelSec: 20 },
      { id: "q2", name: "glass", label: {}, serviceLevelSec: 60 },
    ],
    events,
    open: [],
    agents: [],
    ...over,
  };
}

describe("wallboard figures", () => {
  it("service level, speed of answer, abandonment and handling time from answers and abandons", () => {
    const a = entry("a"), b = entry("b"), c = entry("c"), d = entry("d");
    const events = [
      // Answered after 10 s (within 20 s), handled 300 s.
      a.entered(at("09:00:00")), a.offered(at("09:00:02"), "ag1"), a.answered(at("09:00:10"), "ag1"), wrapUp(at("09:05:10"), "ag1"),
      // Answered after 20 s exactly: still within. Handled 100 s.
      b.entered(at("09:01:00")), b.offered(at("09:01:05"), "ag2"), b.answered(at("09:01:20"), "ag2"), wrapUp(at("09:03:00"), "ag2"),
      // Declined once, answered after 60 s: outside 20 s. Survey still running: no handling time yet.
      c.entered(at("10:00:00")), c.offered(at("10:00:01"), "ag1"), c.declined(at("10:00:05"), "ag1"), c.offered(at("10:00:50"), "ag2"), c.answered(at("10:01:00"), "ag2"),
      // Rang, then the driver left.
      d.entered(at("11:00:00")), d.offered(at("11:00:01"), "ag1"), d.abandoned(at("11:00:30")),
    ];
    const board = computeWallboard(facts(events));
    const q1 = board.queues.find((q) => q.queueId === "q1")!.today;
    assert.equal(q1.entered, 4);
    assert.equal(q1.answered, 3);
    assert.equal(q1.answeredWithinServiceLevel, 2);
    assert.equal(q1.abandoned, 1);
    assert.equal(q1.abandonedBeforeOffer, 0);
    assert.equal(q1.serviceLevel, 2 / 4);
    assert.equal(q1.averageSpeedOfAnswerSec, (10 + 20 + 60) / 3);
    assert.equal(q1.abandonmentRate, 1 / 4);
    assert.equal(q1.handled, 2);
    assert.equal(q1.averageHandlingSec, (300 + 100) / 2);
    assert.deepEqual(board.total.today, q1, "one queue with traffic: the total is that queue");
    const q2 = board.queues.find((q) => q.queueId === "q2")!.today;
    assert.deepEqual([q2.entered, q2.serviceLevel, q2.averageSpeedOfAnswerSec, q2.abandonmentRate, q2.averageHandlingSec], [0, null, null, null, null], "no traffic: no rates, not zeros");
  });

  it("each queue's own service-level threshold, also in the total", () => {
    const a = entry("a", "q1"), b = entry("b", "q2");
    const events = [a.entered(at("09:00:00")), a.answered(at("09:00:45"), "ag1"), b.entered(at("09:00:00")), b.answered(at("09:00:45"), "ag2")];
    const board = computeWallboard(facts(events));
    assert.equal(board.queues[0]!.today.serviceLevel, 0, "45 s is outside roadside's 20 s");
    assert.equal(board.queues[1]!.today.serviceLevel, 1, "45 s is within glass's 60 s");
    assert.equal(board.total.today.serviceLevel, 1 / 2);
    assert.equal(board.total.today.answered, 2);
  });

  it("an entry abandoned before any offer counts as abandoned, and as such before offer", () => {
    const a = entry("a"), b = entry("b");
    const events = [a.entered(at("09:00:00")), a.abandoned(at("09:00:05")), b.entered(at("09:10:00")), b.offered(at("09:10:02"), "ag1"), b.abandoned(at("09:10:30"))];
    const t = computeWallboard(facts(events)).total.today;
    assert.deepEqual([t.abandoned, t.abandonedBeforeOffer, t.answered, t.abandonmentRate, t.serviceLevel, t.averageSpeedOfAnswerSec], [2, 1, 0, 1, 0, null]);
  });

  it("a callback: the live entry is abandoned with a callback requested; the callback entry's answer is counted apart", () => {
    const live = entry("live"), back = entry("back");
    const events = [
      live.entered(at("09:00:00")), live.abandoned(at("09:05:00"), "callback"),
      back.callback(at("09:05:00")), back.offered(at("09:30:00"), "ag1"), back.answered(at("09:30:10"), "ag1"), wrapUp(at("09:40:10"), "ag1"),
    ];
    const t = computeWallboard(facts(events)).total.today;
    assert.equal(t.entered, 1, "the callback entry is not a second driver entering");
    assert.deepEqual([t.abandoned, t.callbacksRequested, t.callbacksAnswered], [1, 1, 1]);
    assert.deepEqual([t.answered, t.averageSpeedOfAnswerSec, t.abandonmentRate], [0, null, 1], "the call back is not a driver answered in the queue");
    assert.deepEqual([t.handled, t.averageHandlingSec], [1, 600], "but it is the agent's work");
  });

  it("an entry that waited across midnight counts today with its whole wait; one answered yesterday does not", () => {
    const night = entry("night"), yesterday = entry("yesterday");
    const before = (hhmmss: string) => Date.parse(`2026-12-01T${hhmmss}+08:00`);
    const events = [
      yesterday.entered(before("22:00:00")), yesterday.answered(before("22:00:05"), "ag1"),
      // The survey answered yesterday ends after midnight: its handling time counts today.
      wrapUp(at("00:10:05"), "ag1"),
      night.entered(before("23:59:50")), night.offered(at("00:00:05"), "ag2"), night.answered(at("00:00:30"), "ag2"),
    ];
    const t = computeWallboard(facts(events)).total.today;
    assert.equal(t.entered, 0, "nobody entered today");
    assert.equal(t.answered, 1);
    assert.equal(t.averageSpeedOfAnswerSec, 40, "23:59:50 → 00:00:30");
    assert.equal(t.answeredWithinServiceLevel, 0);
    assert.deepEqual([t.handled, t.averageHandlingSec], [1, 2 * 3600 + 10 * 60]);
  });

  it("without the entry's entered event (it entered long ago) the wait the service wrote on the answer counts", () => {
    const old = entry("old");
    const t = computeWallboard(facts([old.answered(at("08:00:00"), "ag1", 15_000)])).total.today;
    assert.deepEqual([t.answered, t.averageSpeedOfAnswerSec, t.serviceLevel], [1, 15, 1]);
  });

  it("events after the day (a wallboard of an earlier day) are not counted", () => {
    const a = entry("a");
    const t = computeWallboard(facts([a.entered(at("23:59:59")), a.answered(TO + 1000, "ag1")])).total.today;
    assert.deepEqual([t.entered, t.answered], [1, 0]);
  });

  it("now: waiting per queue, callbacks apart, the longest wait, agents by state per queue and in all", () => {
    const now = at("12:00:00");
    const board = computeWallboard(
      facts([], {
        nowMs: now,
        open: [
          { id: "w1", queueId: "q1", mode: "live", enteredAtMs: now - 95_500 },
          { id: "w2", queueId: "q1", mode: "live", enteredAtMs: now - 10_000 },
          { id: "w3", queueId: "q1", mode: "callback", enteredAtMs: now - 900_000 },
          { id: "w4", queueId: "q2", mode: "live", enteredAtMs: now - 5_000 },
        ],
        agents: [
          { id: "ag1", state: "ready", queueIds: ["q1"] },
          { id: "ag2", state: "busy", queueIds: ["q1", "q2"] },
          { id: "ag3", state: "away", queueIds: ["q2"] },
          { id: "ag4", state: "wrapup", queueIds: ["q1"] },
        ],
      }),
    );
    const [q1, q2] = board.queues;
    assert.deepEqual([q1!.waiting, q1!.callbacksWaiting, q1!.longestWaitSec], [2, 1, 95], "a callback is not somebody on the phone");
    assert.deepEqual([q2!.waiting, q2!.callbacksWaiting, q2!.longestWaitSec], [1, 0, 5]);
    assert.deepEqual(q1!.agents, { ready: 1, offered: 0, busy: 1, wrapup: 1, away: 0 });
    assert.deepEqual(q2!.agents, { ready: 0, offered: 0, busy: 1, wrapup: 0, away: 1 });
    assert.deepEqual(board.total.agents, { ready: 1, offered: 0, busy: 1, wrapup: 1, away: 1 }, "an agent of two queues counts once in all");
    assert.deepEqual([board.total.waiting, board.total.callbacksWaiting, board.total.longestWaitSec], [3, 1, 95]);
    assert.equal(computeWallboard(facts([])).total.longestWaitSec, null, "nobody waiting: no longest wait");
  });
});

describe("day window", () => {
  it("is the calendar day in the zone, not UTC's", () => {
    // 2026-12-01T17:00Z is already 2 December in Shanghai.
    assert.deepEqual(dayWindow(Date.parse("2026-12-01T17:00:00Z"), "Asia/Shanghai"), { day: "2026-12-02", fromMs: FROM, toMs: TO });
    assert.deepEqual(dayWindow(Date.parse("2026-12-01T17:00:00Z"), "UTC"), { day: "2026-12-01", fromMs: Date.parse("2026-12-01T00:00:00Z"), toMs: Date.parse("2026-12-02T00:00:00Z") });
  });

  it("has 23 or 25 hours on a daylight-saving change", () => {
    const spring = dayWindow(Date.parse("2026-03-08T18:00:00Z"), "America/New_York");
    assert.deepEqual([spring.day, spring.fromMs, spring.toMs - spring.fromMs], ["2026-03-08", Date.parse("2026-03-08T05:00:00Z"), 23 * 3600_000]);
    const autumn = dayWindow(Date.parse("2026-11-01T18:00:00Z"), "America/New_York");
    assert.deepEqual([autumn.day, autumn.fromMs, autumn.toMs - autumn.fromMs], ["2026-11-01", Date.parse("2026-11-01T04:00:00Z"), 25 * 3600_000]);
  });

  it("knows real zones only", () => {
    assert.equal(isTimeZone("Asia/Shanghai"), true);
    assert.equal(isTimeZone("Mars/Olympus"), false);
  });
});
