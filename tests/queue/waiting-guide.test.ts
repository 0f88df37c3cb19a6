// The waiting screen's guide per queue (issue 14 point 2): the rules page stores
// a waiting video only as a file of this site and photo items as checklist keys,
// refusing anything else field by field in the admin's language; the guide the
// waiting page gets names the photos as the claim type's checklist does (items
// the checklist lacks are left out), and a booked callback gets no photos.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { pino } from "pino";
import { TRPCError } from "@trpc/server";
import { appRouter } from "../../server/api/root";
import type { TrpcContext } from "../../server/api/trpc";
import type { AppContext } from "../../server/app-context";
import { seedDemoAccounts } from "../../server/db/seed-demo";
import { parseQueueRules } from "../../server/queue/queue-rules";
import type { QueueService } from "../../server/queue/queue-service";
import { waitingGuideFor } from "../../server/queue/waiting-guide";
import { describeIssues } from "../../server/i18n/validation-messages";
import { freshDatabase, type TestDatabase } from "../support/databases";
import { DrivenClock, driver, queueService } from "./queue-fixtures";

let t: TestDatabase;
let svc: QueueService;
let app: AppContext;
before(async () => {
  t = await freshDatabase("sqlite");
  await seedDemoAccounts(t.db);
  svc = queueService(t.db, "sqlite", new DrivenClock());
  app = { env: { PUBLIC_URL: "http://localhost:3000", INVITE_TTL_HOURS: 24 }, db: t.db, log: pino({ level: "silent" }), queue: svc } as unknown as AppContext;
});
after(async () => t?.drop());

async function adminCaller(locale: "en" | "zh-CN") {
  const user = await t.db.user.findUniqueOrThrow({ where: { email: "admin@example.com" } });
  return appRouter.createCaller({ app, user, sessionToken: undefined, inviteToken: undefined, locale, setSessionCookie: () => undefined } as TrpcContext);
}

test("a waiting video must be a file of this site; photo items are checklist keys", async () => {
  const q = await svc.createQueue("roadside");
  const rules = parseQueueRules("{}");
  assert.equal(rules.waitingVideoUrl, null, "the built-in guide by default");
  assert.deepEqual(rules.waitingPhotoItems, ["corner_front_left", "damage_closeup", "licence_plate"]);
  for (const locale of ["en", "zh-CN"] as const) {
    const admin = await adminCaller(locale);
    for (const bad of ["https://videos.example.com/wait.mp4", "//cdn.example.com/wait.mp4", "/media/../../etc/passwd.mp4", "/media/wait.exe", "javascript:alert(1)"]) {
      await assert.rejects(admin.queueAdmin.saveRules({ queueId: q.id, rules: { ...rules, waitingVideoUrl: bad } }), (e: unknown) => {
        assert.ok(e instanceof TRPCError && e.code === "BAD_REQUEST", `${bad}: ${String(e)}`);
        // What the page shows beside the field: the message the error formatter words from these issues.
        const issues = (e.cause as unknown as { issues: Parameters<typeof describeIssues>[0] }).issues;
        assert.ok(issues.every((i) => i.path.join(".") === "rules.waitingVideoUrl"), bad);
        const { fields } = describeIssues(issues, locale);
        assert.match(fields[0]!.message, locale === "en" ? /is not valid/ : /无效/, fields[0]!.message);
        return true;
      });
    }
    await assert.rejects(admin.queueAdmin.saveRules({ queueId: q.id, rules: { ...rules, waitingPhotoItems: ["Damage Close-up"] } }), (e: unknown) => e instanceof TRPCError && e.code === "BAD_REQUEST");
  }
  const saved = await (await adminCaller("en")).queueAdmin.saveRules({ queueId: q.id, rules: { ...rules, waitingVideoUrl: "/media/waiting.mp4", waitingPhotoItems: ["damage_closeup", "odometer"] } });
  assert.equal(saved.rules.waitingVideoUrl, "/media/waiting.mp4");
  assert.deepEqual(saved.rules.waitingPhotoItems, ["damage_closeup", "odometer"]);
});

test("the guide names the photos as the claim type's checklist does", async () => {
  const q = await svc.createQueue("default-guide");
  const motor = await svc.enter(driver(q.id));
  const guide = await waitingGuideFor(t.db, motor.entryId);
  assert.equal(guide.videoUrl, null);
  assert.deepEqual(guide.photoItems.map((i) => [i.key, i.label["zh-CN"], i.overlay]), [
    ["corner_front_left", "左前角", "/guides/car-corner.svg"],
    ["damage_closeup", "损伤近照", "/guides/damage-closeup.svg"],
    ["licence_plate", "车牌", "/guides/plate.svg"],
  ]);
  // A property claim's checklist has no plate or car corner: only the damage.
  const property = await svc.enter(driver(q.id, { claimType: "property" }));
  assert.deepEqual((await waitingGuideFor(t.db, property.entryId)).photoItems.map((i) => i.key), ["damage_closeup"]);
  const callback = await svc.enter(driver(q.id, { mode: "callback" }));
  assert.deepEqual((await waitingGuideFor(t.db, callback.entryId)).photoItems, []);
});
