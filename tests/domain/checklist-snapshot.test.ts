// A survey keeps the checklist it was created with: an admin's edit reaches the
// next new survey of that claim type and never the ones already running.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { databaseKinds, freshDatabase, type TestDatabase } from "../support/databases";
import { createClaimAndSurvey } from "../../server/domain/surveys";
import { checklistItems, defaultChecklist, saveChecklist, surveyChecklist, type ChecklistItem } from "../../server/domain/checklists";
import { OutboxSmsSender } from "../../server/sms/outbox-sms-sender";
import { claimRequest } from "../support/claim-fixtures";

const config = { publicUrl: "https://survey.example.com", ttlHours: 48 };

for (const kind of databaseKinds) {
  describe(`checklist snapshot on ${kind}`, () => {
    let t: TestDatabase;
    let adminId: string;
    before(async () => {
      t = await freshDatabase(kind);
      adminId = (await t.db.user.create({ data: { email: `admin-${kind}@example.com`, name: "Admin", role: "admin", passwordHash: "x" } })).id;
    });
    after(() => t.drop());

    const create = (claimType: "motor_collision" | "property" = "motor_collision") =>
      createClaimAndSurvey({ db: t.db, sms: new OutboxSmsSender(t.db), invites: config }, { request: claimRequest({ claimType }), agentId: null, actor: { id: null, role: "api" } });
    const checklistOf = async (surveyId: string) =>
      surveyChecklist(t.db, await t.db.survey.findUniqueOrThrow({ where: { id: surveyId }, include: { claim: true } }));

    test("an edit reaches the next survey of that claim type; running surveys and other claim types keep theirs", async () => {
      const running = await create();
      const otherType = await create("property");
      const edited: ChecklistItem[] = [
        { ...defaultChecklist("motor_collision")[0]!, label: { "zh-CN": "左前角（全景）", en: "Front-left, wide" } },
        { key: "tow_receipt", label: { "zh-CN": "拖车单", en: "Tow receipt" }, instruction: { "zh-CN": "平放拍摄。", en: "Lay it flat." }, overlay: "/guides/card.svg", required: false, multiple: false },
      ];
      await saveChecklist(t.db, "motor_collision", edited, adminId);
      const next = await create();

      assert.deepEqual(await checklistOf(next.surveyId), edited);
      assert.deepEqual(await checklistOf(running.surveyId), defaultChecklist("motor_collision"), "the running survey keeps every shot it started with");
      assert.deepEqual(await checklistOf(otherType.surveyId), defaultChecklist("property"));
    });

    test("a survey from before checklists were kept follows the current template", async () => {
      const legacy = await create();
      await t.db.survey.update({ where: { id: legacy.surveyId }, data: { checklist: null } });
      const current = checklistItems.parse([{ key: "overview", label: { "zh-CN": "全景", en: "Overview" }, instruction: { "zh-CN": "退后拍摄。", en: "Step back." }, overlay: null, required: true }]);
      await saveChecklist(t.db, "motor_collision", current, adminId);
      assert.deepEqual(await checklistOf(legacy.surveyId), current);
    });

    test("a duplicate key is reported at the duplicate row's key, and nothing is saved", async () => {
      const before = await t.db.checklistTemplate.findUnique({ where: { claimType: "motor_theft" } });
      const item = defaultChecklist("motor_theft")[0]!;
      const result = checklistItems.safeParse([item, { ...item, label: { "zh-CN": "另一个", en: "Another" } }]);
      assert.equal(result.success, false);
      assert.deepEqual(result.error!.issues.map((i) => i.path), [[1, "key"]]);
      await assert.rejects(saveChecklist(t.db, "motor_theft", [item, item], adminId));
      assert.deepEqual(await t.db.checklistTemplate.findUnique({ where: { claimType: "motor_theft" } }), before);
    });
  });
}
