// The continuity section of the report words every cause and finding in the
// report's language: codes from the recorder, never its English reason, reach
// a zh-CN reader.
import { test } from "node:test";
import assert from "node:assert/strict";
import { summariseContinuity, type ContinuityIssue } from "../../server/evidence/continuity-report";
import { reportStrings } from "../../server/evidence/report-strings";
import type { Recording } from "../../server/evidence/package-input";
import { untranslated } from "../support/untranslated";

const at = (s: number) => new Date(Date.UTC(2026, 11, 2, 8, 0, s)).toISOString();
const when = (iso: string) => iso.slice(11, 19);
const duration = (ms: number) => `${Math.round(ms / 1000)} s`;

function recording(continuity: Recording["continuity"], durationMs: number): Recording {
  return { id: "rec-1", path: "/x.webm", mediaType: "audio/webm", participantId: "p-1", kind: "audio", codec: "Opus", durationMs, continuity } as Recording;
}

test("causes and lost packets come through as codes and facts, not as the recorder's English", () => {
  const s = summariseContinuity(
    recording(
      [
        { type: "start", at: at(0), cause: "rejoin", gapMs: 4000, reason: "after a 4000 ms gap (rejoin)" },
        { type: "gap", at: at(10), until: at(12), cause: "packet-loss", lostPackets: 52, reason: "packet-loss; 52 packets lost" },
        { type: "stop", at: at(30), cause: "recorder-closed", reason: "recorder-closed" },
      ],
      28_000,
    ),
  );
  assert.equal(s.startCause, "rejoin");
  assert.equal(s.startGapMs, 4000);
  assert.equal(s.stopCause, "recorder-closed");
  assert.deepEqual(s.intervals.map((i) => [i.cause, i.lostPackets]), [["packet-loss", 52]]);
  const zh = reportStrings("zh-CN");
  for (const code of ["rejoin", "packet-loss", "recorder-closed", "muxer-restart", "server-crash", "error", "log-without-start"]) {
    const word = zh.causes[code];
    assert.ok(word, `no zh-CN words for cause ${code}`);
    assert.deepEqual(untranslated(word), [], `${code}: ${word}`);
    assert.ok(reportStrings("en").causes[code], `no English words for cause ${code}`);
  }
  assert.deepEqual(untranslated(zh.lostPackets(52)), []);
});

test("every finding is a code the report words in both languages, with its times", () => {
  const s = summariseContinuity(
    recording(
      [
        { type: "start", at: at(0) },
        { type: "resume", at: at(5) },
        { type: "pause", at: at(10) },
        { type: "pause", at: at(11) },
        { type: "start", at: at(12) },
      ],
      40_000,
    ),
  );
  const codes = s.issues.map((i) => i.code).sort();
  assert.deepEqual(codes, ["never-resumed", "no-stop", "pause-while-paused", "resume-without-pause", "second-start"].sort());
  const all: ContinuityIssue[] = [...s.issues, { code: "entry-after-stop", entry: "gap", at: at(40) }, { code: "duration-differs", fileMs: 40_000, wallMs: 30_000 }];
  for (const issue of all) {
    const zh = reportStrings("zh-CN").continuityIssue(issue, when, duration);
    const en = reportStrings("en").continuityIssue(issue, when, duration);
    assert.ok(zh && en && zh !== en, issue.code);
    assert.deepEqual(untranslated(zh), [], `${issue.code}: ${zh}`);
    if ("at" in issue) assert.ok(zh.includes(when(issue.at)) && en.includes(when(issue.at)), `${issue.code} names its time`);
  }
  assert.match(reportStrings("en").continuityIssue({ code: "duration-differs", fileMs: 40_000, wallMs: 30_000 }, when, duration), /40 s.*30 s/);
});
