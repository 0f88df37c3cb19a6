import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { databaseKinds, freshDatabase, type TestDatabase } from "../support/databases";
import { closeSurvey, createClaimAndSurvey, markSurveyOpen } from "../../server/domain/surveys";
import { appendSurveyEvent } from "../../server/domain/survey-events";
import { participantForInvite, recordJoin, recordLeave } from "../../server/domain/participants";
import { resolveInvite } from "../../server/domain/invites";
import { chatHistory, postChatMessage } from "../../server/domain/chat";
import { OutboxSmsSender } from "../../server/sms/outbox-sms-sender";
import { DomainError } from "../../server/domain/errors";
import { claimRequest } from "../support/claim-fixtures";

const config = { publicUrl: "https://survey.example.com", ttlHours: 48 };

for (const kind of databaseKinds) {
  describe(`survey lifecycle on ${kind}`, () => {
    let t: TestDatabase;
    before(async () => (t = await freshDatabase(kind)));
    after(() => t.drop());

    const create = () =>
      createClaimAndSurvey({ db: t.db, sms: new OutboxSmsSender(t.db), invites: config }, { request: claimRequest(), agentId: null, actor: { id: null, role: "api" } });

    test("creating a survey stores the claim, two links, the SMS in the outbox and the first events", async () => {
      const s = await create();
      const survey = await t.db.survey.findUniqueOrThrow({ where: { id: s.surveyId }, include: { claim: true, invites: true } });
      assert.equal(survey.status, "created");
      assert.equal(survey.claim.plate, "沪A·12345");
      assert.match(survey.claim.claimNumber, /^CLM-\d{8}-[0-9A-F]{8}$/);
      assert.deepEqual(survey.invites.map((i) => i.role).sort(), ["adjuster", "policyholder"]);
      const sms = await t.db.outboxMessage.findMany({ where: { surveyId: s.surveyId } });
      assert.equal(sms.length, 2, "policyholder and adjuster each get an SMS");
      assert.ok(sms.some((m) => m.to === "13800138000" && m.body.includes(s.invites.policyholder.url)));
      assert.ok(sms.some((m) => m.to === "+8613900139000" && m.body.includes(s.invites.adjuster.url)));
      const events = await t.db.surveyEvent.findMany({ where: { surveyId: s.surveyId }, orderBy: { seq: "asc" } });
      assert.deepEqual(events.map((e) => e.type), ["survey.created", "invite.created", "invite.created", "sms.queued", "sms.queued"]);
      assert.deepEqual(events.map((e) => e.seq), [1, 2, 3, 4, 5]);
      assert.ok(!events.some((e) => e.payload.includes("13800138000")), "the timeline keeps mobile numbers masked");
    });

    test("open on first join only, then close: links revoked, closing twice is refused", async () => {
      const s = await create();
      await markSurveyOpen(t.db, s.surveyId);
      await markSurveyOpen(t.db, s.surveyId);
      const opened = await t.db.surveyEvent.count({ where: { surveyId: s.surveyId, type: "survey.opened" } });
      assert.equal(opened, 1);
      // Nobody signed a statement here: ending needs the agent's reason (statement-end-rule.test.ts has the rule itself).
      await closeSurvey(t.db, { surveyId: s.surveyId, actor: { id: "agent-1", role: "agent" }, withoutStatement: { reason: "driver_left" } });
      const survey = await t.db.survey.findUniqueOrThrow({ where: { id: s.surveyId }, include: { invites: true } });
      assert.equal(survey.status, "closed");
      assert.ok(survey.closedAt);
      assert.ok(survey.invites.every((i) => i.revokedAt));
      await assert.rejects(closeSurvey(t.db, { surveyId: s.surveyId, actor: { id: "agent-1", role: "agent" } }), (e: unknown) => e instanceof DomainError && e.code === "SURVEY_CLOSED");
      await assert.rejects(closeSurvey(t.db, { surveyId: "nope", actor: { id: "a", role: "agent" } }), (e: unknown) => e instanceof DomainError && e.code === "NOT_FOUND");
    });

    test("the timeline stays dense and ordered under concurrent appends", async () => {
      const s = await create();
      await Promise.all(Array.from({ length: 25 }, (_, i) => appendSurveyEvent(t.db, s.surveyId, { type: "chat.message", payload: { text: `m${i}` } })));
      const seqs = (await t.db.surveyEvent.findMany({ where: { surveyId: s.surveyId }, orderBy: { seq: "asc" }, select: { seq: true } })).map((e) => e.seq);
      assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1));
    });

    test("a rejoin with the same link is the same participant; joins, leaves and chat are in the timeline", async () => {
      const s = await create();
      const invite = await resolveInvite(t.db, s.invites.policyholder.token);
      const a = await participantForInvite(t.db, invite);
      const b = await participantForInvite(t.db, invite);
      assert.equal(a.participantId, b.participantId);
      assert.equal(a.role, "policyholder");
      assert.equal(a.displayName, "张伟");
      const adjuster = await participantForInvite(t.db, await resolveInvite(t.db, s.invites.adjuster.token));
      assert.deepEqual([adjuster.role, adjuster.displayName], ["adjuster", "王强"], "the adjuster appears under the name the agent gave");
      await recordJoin(t.db, a, { viewport: "390x844" });
      await postChatMessage(t.db, a, "  车在路边  ");
      await recordLeave(t.db, a, "disconnected");
      await recordJoin(t.db, a, {});
      const history = await chatHistory(t.db, s.surveyId);
      assert.deepEqual(history.map((m) => [m.text, m.role]), [["车在路边", "policyholder"]]);
      const types = (await t.db.surveyEvent.findMany({ where: { surveyId: s.surveyId, actorId: a.participantId }, orderBy: { seq: "asc" } })).map((e) => e.type);
      assert.deepEqual(types, ["participant.joined", "chat.message", "participant.left", "participant.joined"]);
      await assert.rejects(postChatMessage(t.db, a, "   "));
    });
  });
}
