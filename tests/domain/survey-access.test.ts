// The access table's own invariants, which no single entry point shows: what
// one may list one may open, every audited action has an audit row name,
// nobody but the parties of a survey reaches it, and staff views mask links.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DomainError } from "../../server/domain/errors";
import {
  audiences,
  authorize,
  authorizeOnSurvey,
  decide,
  globalActions,
  decideGlobal,
  principalClasses,
  surveyActions,
  type Principal,
} from "../../server/domain/survey-access";
import { auditActionOf } from "../../server/archive/evidence-audit-log";
import { maskInviteLinks } from "../../server/domain/mask-invite-link";
import type { Db } from "../../server/db/client";

test("whoever may list a survey's recordings or photos may also open them", () => {
  for (const a of audiences) {
    assert.equal(decide("recordings.list", a) === "deny", decide("recording.play", a) === "deny", `recordings for ${a}`);
    assert.equal(decide("recordings.list", a) === "deny", decide("playback.open", a) === "deny", `playback for ${a}`);
    if (decide("captures.read", a) !== "deny") assert.notEqual(decide("capture.view", a), "deny", `photos for ${a}`);
  }
});

test("strangers reach nothing: another agent, a staff adjuster, another survey's link, anonymous", () => {
  for (const action of surveyActions) {
    for (const a of ["agentOther", "adjusterStaff", "otherSurveyLink", "anonymous"] as const) assert.equal(decide(action, a), "deny", `${action} for ${a}`);
  }
  for (const action of globalActions) assert.equal(decideGlobal(action, "anonymous"), "deny", action);
});

test("every audited action has an audit row name; auditors are audited on all they reach but the two progress polls", () => {
  for (const action of surveyActions) {
    for (const a of audiences) if (decide(action, a) === "audit" && action !== "archive.retention") assert.ok(auditActionOf(action), action);
    // Two polls show nothing of the survey (render progress, a package build's state) and are not logged.
    if (!["composite.status", "archive.status"].includes(action) && decide(action, "auditor") !== "deny") assert.equal(decide(action, "auditor"), "audit", action);
  }
  for (const action of globalActions) for (const c of principalClasses) if (decideGlobal(action, c) === "audit") assert.ok(auditActionOf(action), action);
});

test("an invitee is someone only to the survey of their link; refusals say who you are before what exists", async () => {
  const link: Principal = { kind: "invitee", invite: { id: "i1", surveyId: "s1", role: "policyholder" } };
  assert.equal(authorize(link, "call.consent", { id: "s1", agentId: "a1" }).audience, "policyholderLink");
  assert.throws(() => authorize(link, "call.consent", { id: "s2", agentId: "a1" }), (e) => e instanceof DomainError && e.code === "FORBIDDEN");
  // No database is touched when no survey could allow it: the order hides which surveys exist.
  const noDb = {} as Db;
  await assert.rejects(authorizeOnSurvey(noDb, { kind: "anonymous" }, "survey.read", "s1"), (e) => e instanceof DomainError && e.code === "UNAUTHORIZED");
  await assert.rejects(authorizeOnSurvey(noDb, link, "survey.read", "s1"), (e) => e instanceof DomainError && e.code === "FORBIDDEN");
  const agent: Principal = { kind: "staff", user: { id: "a2", role: "agent", name: "x" } };
  assert.equal(authorize(agent, "recording.play", { id: "s1", agentId: null }).audience, "agentUnassigned");
  assert.throws(() => authorize(agent, "recording.play", { id: "s1", agentId: "a1" }), (e) => e instanceof DomainError && e.code === "FORBIDDEN");
});

test("staff views of an SMS keep the start of the link's token and mask the rest", () => {
  const body = "【理赔】请点击 https://survey.example.com/join/AbCdEfGhIjKlMnOpQrStUvWxYz012345 加入。";
  const masked = maskInviteLinks(body);
  assert.equal(masked, "【理赔】请点击 https://survey.example.com/join/AbCd•••••••• 加入。");
  assert.ok(!masked.includes("EfGhIjKl"));
});
