// The completeness computation on crafted timelines: what the timeline says
// was live and consented, against what the recordings' continuity says was
// written.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { computeCompleteness, type CompletenessInput, GAP_TOLERANCE_MS } from "../../server/evidence/completeness-report";

const T0 = Date.parse("2026-11-30T02:00:00Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

type Ev = [number, string, string | null, Record<string, unknown>?];

function survey(o: { events: Ev[]; recordings?: CompletenessInput["recordings"]; consentAt?: number | null; closedAt?: number }): CompletenessInput {
  return {
    openedAt: at(0),
    closedAt: at(o.closedAt ?? 300),
    participants: [
      { id: "holder", role: "policyholder", displayName: "张伟" },
      { id: "agent", role: "agent", displayName: "李娜" },
    ],
    consents: o.consentAt === null ? [] : [{ at: at(o.consentAt ?? 10), decision: "accepted", participantId: "holder" }],
    events: o.events.map(([s, type, actorId, payload], i) => ({ seq: i + 1, at: at(s), type, actorId, actorRole: actorId === "agent" ? "agent" : "policyholder", payload: payload ?? {} })),
    recordings: o.recordings ?? [],
  };
}

const rec = (id: string, participantId: string, kind: "audio" | "video", entries: [string, number, Record<string, unknown>?][]): CompletenessInput["recordings"][number] => ({
  id,
  participantId,
  kind,
  durationMs: 0,
  continuity: entries.map(([type, s, extra]) => ({ type, at: at(s), ...(extra as object) })),
});

/** Both people on camera and microphone from the start, consent at 10 s. */
const live: Ev[] = [
  [1, "participant.joined", "agent"],
  [2, "media.track.started", "agent", { producerId: "ag-a", kind: "audio", source: "mic" }],
  [3, "participant.joined", "holder"],
  [5, "media.track.started", "holder", { producerId: "ph-a", kind: "audio", source: "mic" }],
  [5, "media.track.started", "holder", { producerId: "ph-v", kind: "video", source: "camera" }],
  [10, "recording.consent", "holder", { accepted: true }],
];

describe("recording completeness", () => {
  it("a track that never got a file is 'never recorded', with the failure codes and error ids as its reason", () => {
    const r = computeCompleteness(
      survey({
        closedAt: 125,
        events: [
          ...live,
          [12, "recording.track.failed", null, { producerId: "ph-a", kind: "audio", code: "MUXER_START_FAILED", errorId: "E-1", attempt: 1, willRetry: true }],
          [40, "recording.track.failed", null, { producerId: "ph-a", kind: "audio", code: "MUXER_START_FAILED", errorId: "E-2", attempt: 2, willRetry: true }],
          [125, "survey.closed", "agent"],
        ],
        recordings: [
          rec("ph-v-1", "holder", "video", [["start", 10.5], ["stop", 125]]),
          rec("ag-a-1", "agent", "audio", [["start", 10.4], ["stop", 125]]),
        ],
      }),
    );
    assert.equal(r.status, "incomplete");
    assert.equal(r.consentAt, at(10));
    assert.equal(r.summary, "incomplete: policyholder audio missing 00:00:00–00:01:55 (never recorded)");
    const audio = r.items.find((i) => i.participantId === "holder" && i.kind === "audio")!;
    assert.equal(audio.neverRecorded, true);
    assert.equal(audio.expectedMs, 115_000);
    assert.equal(audio.coveredMs, 0);
    assert.deepEqual(audio.recordings, []);
    assert.equal(audio.gaps.length, 1);
    const g = audio.gaps[0]!;
    assert.deepEqual([g.from, g.to, g.fromOffset, g.toOffset, g.ms, g.tolerated], [at(10), at(125), "00:00:00", "00:01:55", 115_000, false]);
    assert.equal(g.cause, "recording-failed");
    assert.deepEqual(g.codes, ["MUXER_START_FAILED"]);
    assert.deepEqual(g.errorIds, ["E-1", "E-2"]);
    assert.match(g.reason, /MUXER_START_FAILED \(error id E-1, E-2\); never recorded/);
    // The recorded tracks' start-up (0.4–0.5 s) is listed, tolerated, and does not count.
    const video = r.items.find((i) => i.participantId === "holder" && i.kind === "video")!;
    assert.equal(video.neverRecorded, false);
    assert.deepEqual(video.gaps.map((x) => [x.cause, x.ms, x.tolerated]), [["start-up", 500, true]]);
  });

  it("a never-recorded track without any logged failure still says so", () => {
    const r = computeCompleteness(survey({ closedAt: 60, events: [...live, [60, "survey.closed", "agent"]], recordings: [] }));
    assert.equal(r.status, "incomplete");
    assert.deepEqual(r.items.map((i) => [i.participantId, i.kind, i.neverRecorded, i.gaps[0]?.cause]), [
      ["holder", "audio", true, "not-recorded"],
      ["holder", "video", true, "not-recorded"],
      ["agent", "audio", true, "not-recorded"],
    ]);
  });

  it("a muxer that dies mid-survey leaves the exact hole until the new file starts, named as a restart after the failure", () => {
    const r = computeCompleteness(
      survey({
        events: [
          ...live,
          [22, "recording.track.failed", null, { producerId: "ph-a", kind: "audio", code: "MUXER_DIED", errorId: "E-7", attempt: 1, willRetry: true }],
          [135, "recording.track.recovered", null, { producerId: "ph-a", kind: "audio", trackId: "ph-a-2", gapFrom: at(22), gapTo: at(135) }],
          [300, "survey.closed", "agent"],
        ],
        recordings: [
          rec("ph-a-1", "holder", "audio", [["start", 10.3], ["stop", 22, { reason: "error", cause: "error" }]]),
          rec("ph-a-2", "holder", "audio", [["start", 135, { reason: "after a 113000 ms gap (muxer-restart; previous file s/ph-a-1.webm)", cause: "muxer-restart" }], ["stop", 300]]),
          rec("ph-v-1", "holder", "video", [["start", 10.5], ["stop", 300]]),
          rec("ag-a-1", "agent", "audio", [["start", 10.4], ["stop", 300]]),
        ],
      }),
    );
    assert.equal(r.status, "incomplete");
    assert.equal(r.summary, "incomplete: policyholder audio missing 00:00:12–00:02:05");
    const audio = r.items.find((i) => i.participantId === "holder" && i.kind === "audio")!;
    assert.equal(audio.neverRecorded, false);
    assert.deepEqual(audio.recordings, ["ph-a-1", "ph-a-2"]);
    const hole = audio.gaps.find((g) => !g.tolerated)!;
    assert.deepEqual([hole.from, hole.to, hole.ms], [at(22), at(135), 113_000]);
    assert.equal(hole.cause, "recording-failed");
    assert.deepEqual([hole.codes, hole.errorIds], [["MUXER_DIED"], ["E-7"]]);
    assert.match(hole.reason, /MUXER_DIED \(error id E-7\); resumed after muxer-restart/);
    assert.equal(audio.expectedMs, 290_000);
    assert.equal(audio.coveredMs, 290_000 - 300 - 113_000);
  });

  it("a muxer restart logged only in the continuity (no failure event) is named from the new file's start", () => {
    const r = computeCompleteness(
      survey({
        events: [...live, [300, "survey.closed", "agent"]],
        recordings: [
          rec("ph-a-1", "holder", "audio", [["start", 10], ["stop", 50, { cause: "error" }]]),
          rec("ph-a-2", "holder", "audio", [["start", 56, { cause: "muxer-restart" }], ["stop", 300]]),
          rec("ph-v-1", "holder", "video", [["start", 10], ["stop", 300]]),
          rec("ag-a-1", "agent", "audio", [["start", 10], ["gap", 100, { until: at(104), cause: "packet-loss", reason: "packet-loss; 80 packets lost" }], ["stop", 300]]),
        ],
      }),
    );
    assert.equal(r.summary, "incomplete: policyholder audio missing 00:00:40–00:00:46; agent audio missing 00:01:30–00:01:34");
    assert.equal(r.items.find((i) => i.participantId === "holder" && i.kind === "audio")!.gaps[0]!.cause, "muxer-restart");
    assert.equal(r.items.find((i) => i.participantId === "agent")!.gaps[0]!.cause, "packet-loss");
  });

  it("a file that ends before the media forwarded to it: the unwritten end before the close is a 'tail-not-written' gap", () => {
    // The survey closes at 300 s; the recorders stop at 301 s; the policyholder's
    // video file was measured 6 s short of what it was sent (the muxer fell behind).
    const r = computeCompleteness(
      survey({
        events: [...live, [300, "survey.closed", "agent"]],
        recordings: [
          rec("ph-v-1", "holder", "video", [["start", 10], ["gap", 295, { until: at(301), cause: "tail-not-written", reason: "tail-not-written" }], ["stop", 301, { cause: "recorder-closed" }]]),
          rec("ph-a-1", "holder", "audio", [["start", 10], ["gap", 300.5, { until: at(301), cause: "tail-not-written", reason: "tail-not-written" }], ["stop", 301]]),
          rec("ag-a-1", "agent", "audio", [["start", 10], ["stop", 301]]),
        ],
      }),
    );
    assert.equal(r.summary, "incomplete: policyholder video missing 00:04:45–00:04:50");
    const video = r.items.find((i) => i.participantId === "holder" && i.kind === "video")!;
    assert.deepEqual(video.gaps.map((g) => [g.from, g.to, g.cause, g.tolerated]), [[at(295), at(300), "tail-not-written", false]]);
    assert.match(video.gaps[0]!.reason, /did not write the last media it received/);
    // Half a second short, after the close: nothing expected was lost.
    assert.deepEqual(r.items.find((i) => i.participantId === "holder" && i.kind === "audio")!.gaps, []);
  });

  it("a camera turned off (producer paused) is not a gap; the recorder's matching pause is not either", () => {
    const r = computeCompleteness(
      survey({
        events: [
          ...live,
          [50, "media.track.paused", "holder", { producerId: "ph-v", kind: "video" }],
          [80, "media.track.resumed", "holder", { producerId: "ph-v", kind: "video" }],
          [300, "survey.closed", "agent"],
        ],
        recordings: [
          rec("ph-v-1", "holder", "video", [["start", 10], ["pause", 50.2], ["resume", 80.6], ["stop", 300]]),
          rec("ph-a-1", "holder", "audio", [["start", 10], ["stop", 300]]),
          rec("ag-a-1", "agent", "audio", [["start", 10], ["stop", 300]]),
        ],
      }),
    );
    assert.equal(r.status, "complete", r.summary);
    const video = r.items.find((i) => i.kind === "video")!;
    assert.equal(video.expectedMs, 290_000 - 30_000);
    assert.deepEqual(video.gaps.map((g) => [g.from, g.to, g.tolerated]), [[at(80), at(80.6), true]]);
    assert.match(r.summary, /^complete: all 3 expected track\(s\) recorded .* \(1 gap\(s\) under 2 s tolerated\)$/);
  });

  it("a recorder pause without a camera pause is a gap", () => {
    const r = computeCompleteness(
      survey({
        events: [...live, [300, "survey.closed", "agent"]],
        recordings: [
          rec("ph-v-1", "holder", "video", [["start", 10], ["pause", 50], ["resume", 80], ["stop", 300]]),
          rec("ph-a-1", "holder", "audio", [["start", 10], ["stop", 300]]),
          rec("ag-a-1", "agent", "audio", [["start", 10], ["stop", 300]]),
        ],
      }),
    );
    assert.equal(r.summary, "incomplete: policyholder video missing 00:00:40–00:01:10");
  });

  it("leave and rejoin: nothing is expected while the person is away; the new producers are expected again", () => {
    const r = computeCompleteness(
      survey({
        events: [
          ...live,
          [60, "participant.left", "holder", { reason: "network" }],
          [90, "participant.joined", "holder", { rejoin: true }],
          [92, "media.track.started", "holder", { producerId: "ph-a2", kind: "audio" }],
          [92, "media.track.started", "holder", { producerId: "ph-v2", kind: "video" }],
          [200, "media.track.stopped", "holder", { producerId: "ph-a2", kind: "audio" }],
          [200, "media.track.stopped", "holder", { producerId: "ph-v2", kind: "video" }],
          [201, "participant.left", "holder", { reason: "hangup" }],
          [300, "survey.closed", "agent"],
        ],
        recordings: [
          rec("ph-a-1", "holder", "audio", [["start", 10], ["stop", 60.5, { cause: "producer-closed" }]]),
          rec("ph-a-2", "holder", "audio", [["start", 93, { cause: "rejoin" }], ["stop", 200]]),
          rec("ph-v-1", "holder", "video", [["start", 10], ["stop", 60.5, { cause: "producer-closed" }]]),
          rec("ph-v-2", "holder", "video", [["start", 92.5, { cause: "rejoin" }], ["stop", 200]]),
          rec("ag-a-1", "agent", "audio", [["start", 10], ["stop", 300]]),
        ],
      }),
    );
    assert.equal(r.status, "complete", r.summary);
    const audio = r.items.find((i) => i.participantId === "holder" && i.kind === "audio")!;
    assert.equal(audio.expectedMs, 50_000 + 108_000);
    assert.deepEqual(audio.gaps.map((g) => [g.from, g.to, g.tolerated]), [[at(92), at(93), true]]);
  });

  it("a rejoin whose new recording starts late is a gap from the new producer's start", () => {
    const r = computeCompleteness(
      survey({
        events: [
          ...live,
          [60, "participant.left", "holder"],
          [92, "media.track.started", "holder", { producerId: "ph-a2", kind: "audio" }],
          [92, "media.track.started", "holder", { producerId: "ph-v2", kind: "video" }],
          [300, "survey.closed", "agent"],
        ],
        recordings: [
          rec("ph-a-1", "holder", "audio", [["start", 10], ["stop", 60]]),
          rec("ph-a-2", "holder", "audio", [["start", 99, { cause: "rejoin" }], ["stop", 300]]),
          rec("ph-v-1", "holder", "video", [["start", 10], ["stop", 60]]),
          rec("ph-v-2", "holder", "video", [["start", 92], ["stop", 300]]),
          rec("ag-a-1", "agent", "audio", [["start", 10], ["stop", 300]]),
        ],
      }),
    );
    assert.equal(r.summary, "incomplete: policyholder audio missing 00:01:22–00:01:29");
  });

  it("start-up: a first frame up to the tolerance after consent is fine; beyond it, the start-up is a gap", () => {
    const within = (GAP_TOLERANCE_MS - 100) / 1000;
    const beyond = (GAP_TOLERANCE_MS + 500) / 1000;
    const make = (delay: number) =>
      computeCompleteness(
        survey({
          events: [...live, [300, "survey.closed", "agent"]],
          recordings: [
            rec("ph-v-1", "holder", "video", [["start", 10 + delay], ["stop", 300]]),
            rec("ph-a-1", "holder", "audio", [["start", 10], ["stop", 300]]),
            rec("ag-a-1", "agent", "audio", [["start", 10], ["stop", 300]]),
          ],
        }),
      );
    const ok = make(within);
    assert.equal(ok.status, "complete", ok.summary);
    assert.deepEqual(ok.items.find((i) => i.kind === "video")!.gaps.map((g) => [g.cause, g.ms, g.tolerated]), [["start-up", 1_900, true]]);
    const late = make(beyond);
    assert.equal(late.status, "incomplete");
    assert.equal(late.summary, "incomplete: policyholder video missing 00:00:00–00:00:03");
    assert.deepEqual(late.items.find((i) => i.kind === "video")!.gaps.map((g) => [g.cause, g.ms, g.tolerated]), [["start-up", 2_500, false]]);
  });

  it("nothing is expected before consent, nor from a screen share", () => {
    const r = computeCompleteness(
      survey({
        consentAt: 100,
        events: [...live.filter((e) => e[1] !== "recording.consent"), [20, "media.track.started", "agent", { producerId: "ag-s", kind: "video", source: "screen" }], [300, "survey.closed", "agent"]],
        recordings: [
          rec("ph-v-1", "holder", "video", [["start", 100], ["stop", 300]]),
          rec("ph-a-1", "holder", "audio", [["start", 100], ["stop", 300]]),
          rec("ag-a-1", "agent", "audio", [["start", 100], ["stop", 300]]),
        ],
      }),
    );
    assert.equal(r.status, "complete", r.summary);
    assert.deepEqual(r.items.map((i) => [i.participantId, i.kind, i.expectedMs]), [
      ["holder", "audio", 200_000],
      ["holder", "video", 200_000],
      ["agent", "audio", 200_000],
    ]);
  });

  it("no consent: nothing was to be recorded; no media.track events: unknown, with the reason", () => {
    const none = computeCompleteness(survey({ consentAt: null, events: live.filter((e) => e[1] !== "recording.consent") }));
    assert.equal(none.status, "complete");
    assert.deepEqual(none.items, []);
    assert.match(none.summary, /never consented/);
    const old = computeCompleteness(survey({ events: live.filter((e) => !e[1].startsWith("media.track.")), recordings: [rec("ph-a-1", "holder", "audio", [["start", 10], ["stop", 300]])] }));
    assert.equal(old.status, "unknown");
    assert.equal(old.unknownReason, "no-media-events");
    assert.match(old.summary, /^unknown: the timeline does not say when cameras and microphones were on/);
    const partial = computeCompleteness(
      survey({ events: live.filter((e) => e[2] !== "agent" || e[1] !== "media.track.started"), recordings: [rec("ag-a-1", "agent", "audio", [["start", 10], ["stop", 300]])] }),
    );
    assert.equal(partial.status, "unknown");
    assert.equal(partial.unknownReason, "track-without-media-events");
  });
});
