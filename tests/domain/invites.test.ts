import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { databaseKinds, freshDatabase, type TestDatabase } from "../support/databases";
import { issueInvite, resolveInvite, revokeInvite } from "../../server/domain/invites";
import { closeSurvey, createClaimAndSurvey } from "../../server/domain/surveys";
import { OutboxSmsSender } from "../../server/sms/outbox-sms-sender";
import { hashToken } from "../../server/auth/secret-token";
import { DomainError } from "../../server/domain/errors";
import { claimRequest } from "../support/claim-fixtures";

const config = { publicUrl: "https://survey.example.com", ttlHours: 48 };

async function expectCode(p: Promise<unknown>, code: string) {
  await assert.rejects(p, (err: unknown) => err instanceof DomainError && err.code === code);
}

for (const kind of databaseKinds) {
  describe(`invites on ${kind}`, () => {
    let t: TestDatabase;
    let surveyId: string;
    before(async () => {
      t = await freshDatabase(kind);
      const created = await createClaimAndSurvey(
        { db: t.db, sms: new OutboxSmsSender(t.db), invites: config },
        { request: claimRequest(), agentId: null, actor: { id: null, role: "api" } },
      );
      surveyId = created.surveyId;
    });
    after(() => t.drop());

    test("a link carries ≥128 random bits, is stored only as a hash, and resolves to its survey and role", async () => {
      const inv = await issueInvite(t.db, config, { surveyId, role: "policyholder" });
      assert.ok(Buffer.from(inv.token, "base64url").length * 8 >= 128);
      assert.equal(inv.url, `https://survey.example.com/join/${inv.token}`);
      const row = await t.db.invite.findUniqueOrThrow({ where: { id: inv.inviteId } });
      assert.equal(row.tokenHash, hashToken(inv.token));
      assert.ok(!JSON.stringify(row).includes(inv.token), "the token itself is not stored");
      const resolved = await resolveInvite(t.db, inv.token);
      assert.equal(resolved.surveyId, surveyId);
      assert.equal(resolved.role, "policyholder");
    });

    test("unknown and malformed tokens are refused as invalid", async () => {
      await expectCode(resolveInvite(t.db, "A".repeat(32)), "INVITE_INVALID");
      await expectCode(resolveInvite(t.db, "../../etc/passwd"), "INVITE_INVALID");
      await expectCode(resolveInvite(t.db, ""), "INVITE_INVALID");
    });

    test("an expired link is refused as expired", async () => {
      const inv = await issueInvite(t.db, config, { surveyId, role: "adjuster", now: new Date(Date.now() - 49 * 3600_000) });
      await expectCode(resolveInvite(t.db, inv.token), "INVITE_EXPIRED");
    });

    test("a revoked link is refused as revoked; a new link for a role withdraws the previous one", async () => {
      const first = await issueInvite(t.db, config, { surveyId, role: "adjuster" });
      const second = await issueInvite(t.db, config, { surveyId, role: "adjuster" });
      await expectCode(resolveInvite(t.db, first.token), "INVITE_REVOKED");
      await resolveInvite(t.db, second.token);
      await revokeInvite(t.db, { inviteId: second.inviteId, surveyId, actorId: "x", actorRole: "agent" });
      await expectCode(resolveInvite(t.db, second.token), "INVITE_REVOKED");
      await expectCode(revokeInvite(t.db, { inviteId: second.inviteId, surveyId, actorId: "x", actorRole: "agent" }), "NOT_FOUND");
    });

    test("a closed survey's links stop working", async () => {
      const inv = await issueInvite(t.db, config, { surveyId, role: "policyholder" });
      await closeSurvey(t.db, { surveyId, actor: { id: null, role: "agent" }, withoutStatement: { reason: "driver_left" } });
      await expectCode(resolveInvite(t.db, inv.token), "SURVEY_CLOSED");
    });
  });
}
