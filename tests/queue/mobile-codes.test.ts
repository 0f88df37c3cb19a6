// The start form's one-time mobile code through the queue's tRPC router on both
// databases, with the service's clock driven: sent by SMS in the driver's language,
// stored only as a salted hash, valid 5 minutes, 5 tries, one use, the latest code
// only, and limited per number (one a minute, five an hour). Each refusal is its
// own code with its 4xx.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { pino } from "pino";
import { TRPCError } from "@trpc/server";
import { appRouter } from "../../server/api/root";
import type { TrpcContext } from "../../server/api/trpc";
import type { AppContext } from "../../server/app-context";
import { DomainError } from "../../server/domain/errors";
import { statusOf } from "../../server/domain/error-status";
import { databaseKinds, freshDatabase, type TestDatabase } from "../support/databases";
import { codeSentTo, DrivenClock, queueService } from "./queue-fixtures";

for (const kind of databaseKinds) {
  describe(`mobile codes on ${kind}`, () => {
    let t: TestDatabase;
    const clock = new DrivenClock();
    let anon: ReturnType<typeof appRouter.createCaller>;
    before(async () => {
      t = await freshDatabase(kind);
      const queue = queueService(t.db, kind, clock);
      await queue.createQueue("codes");
      const app = { env: { PUBLIC_URL: "https://survey.example.com", INVITE_TTL_HOURS: 24 }, db: t.db, log: pino({ level: "silent" }), queue } as unknown as AppContext;
      anon = appRouter.createCaller({ app, user: null, sessionToken: undefined, inviteToken: undefined, locale: "en", setSessionCookie: () => undefined } as TrpcContext);
    });
    after(async () => t?.drop());

    const refused = (trpc: TRPCError["code"], domain: string) => (e: unknown) => e instanceof TRPCError && e.code === trpc && e.cause instanceof DomainError && e.cause.code === domain;
    const report = (mobile: string, mobileCode: string) => anon.queue.enter({ queue: "codes", plate: "沪C·00001", claimType: "motor_collision", policyholderMobile: mobile, language: "zh-CN", mobileCode });
    /** A six-digit code that is not `code`. */
    const other = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

    test("a code goes by SMS in the driver's language, is kept only as a salted hash, and confirms the number once", async () => {
      assert.deepEqual(await anon.queue.sendCode({ policyholderMobile: "13800138000", language: "zh-CN" }), { expiresInSec: 300, resendAfterSec: 60 });
      const sms = await t.db.outboxMessage.findFirstOrThrow({ where: { to: "13800138000" } });
      const code = await codeSentTo(t.db, "13800138000");
      assert.equal(sms.body, `您的视频报案验证码为 ${code}，5 分钟内有效。请勿告诉他人。`);
      const rows = await t.db.mobileCode.findMany();
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.mobile, "+8613800138000");
      assert.match(rows[0]!.codeHash, /^[0-9a-f]{64}$/);
      assert.match(rows[0]!.salt, /^[0-9a-f]{32}$/);
      assert.ok(!rows[0]!.codeHash.includes(code) && !rows[0]!.salt.includes(code), "the code itself is not stored");

      const { entryToken } = await report("13800138000", code);
      assert.ok(entryToken);
      await assert.rejects(report("13800138000", code), refused("PRECONDITION_FAILED", "MOBILE_CODE_EXPIRED"), "a code confirms once");
      await assert.rejects(report("13900139000", code), refused("PRECONDITION_FAILED", "MOBILE_CODE_EXPIRED"), "and only its own number");
    });

    test("four wrong tries are told as wrong; the fifth locks the code, and then even the right one is refused", async () => {
      await anon.queue.sendCode({ policyholderMobile: "+8613900139000", language: "en" });
      const code = await codeSentTo(t.db, "+8613900139000");
      assert.equal((await t.db.outboxMessage.findFirstOrThrow({ where: { to: "+8613900139000" } })).body, `Your video claim report code is ${code}. It is valid for 5 minutes. Do not share it with anyone.`);
      for (let i = 0; i < 4; i++) await assert.rejects(report("+8613900139000", other(code)), refused("BAD_REQUEST", "MOBILE_CODE_WRONG"));
      await assert.rejects(report("+8613900139000", other(code)), refused("TOO_MANY_REQUESTS", "MOBILE_CODE_TRIES"));
      // The same phone written the other way: the same code, still locked.
      await assert.rejects(report("13900139000", code), refused("TOO_MANY_REQUESTS", "MOBILE_CODE_TRIES"));
      clock.advance(60);
      await anon.queue.sendCode({ policyholderMobile: "13900139000", language: "en" });
      await report("13900139000", await codeSentTo(t.db, "13900139000"));
    });

    test("a code lasts 5 minutes; only the latest code of a number counts", async () => {
      await anon.queue.sendCode({ policyholderMobile: "13700137000", language: "zh-CN" });
      clock.advance(299);
      await report("13700137000", await codeSentTo(t.db, "13700137000"));

      await anon.queue.sendCode({ policyholderMobile: "13700137000", language: "zh-CN" });
      clock.advance(300);
      await assert.rejects(report("13700137000", await codeSentTo(t.db, "13700137000")), refused("PRECONDITION_FAILED", "MOBILE_CODE_EXPIRED"));

      await anon.queue.sendCode({ policyholderMobile: "13700137000", language: "zh-CN" });
      const first = await codeSentTo(t.db, "13700137000");
      clock.advance(60);
      await anon.queue.sendCode({ policyholderMobile: "13700137000", language: "zh-CN" });
      const latest = await codeSentTo(t.db, "13700137000");
      if (first !== latest) await assert.rejects(report("13700137000", first), refused("BAD_REQUEST", "MOBILE_CODE_WRONG"), "an earlier code no longer counts");
      await report("13700137000", latest);
    });

    test("codes per number: one a minute and five an hour, whichever way the number is written; other numbers are not held up", async () => {
      const n = "13600136000";
      await anon.queue.sendCode({ policyholderMobile: n, language: "zh-CN" });
      await assert.rejects(anon.queue.sendCode({ policyholderMobile: n, language: "zh-CN" }), refused("TOO_MANY_REQUESTS", "MOBILE_CODE_RATE"));
      await assert.rejects(anon.queue.sendCode({ policyholderMobile: `+86${n}`, language: "zh-CN" }), refused("TOO_MANY_REQUESTS", "MOBILE_CODE_RATE"));
      await anon.queue.sendCode({ policyholderMobile: "13600136001", language: "zh-CN" });
      for (let i = 0; i < 4; i++) {
        clock.advance(61);
        await anon.queue.sendCode({ policyholderMobile: n, language: "zh-CN" });
      }
      clock.advance(61);
      await assert.rejects(anon.queue.sendCode({ policyholderMobile: n, language: "zh-CN" }), refused("TOO_MANY_REQUESTS", "MOBILE_CODE_RATE"), "five in the last hour");
      assert.equal(await t.db.outboxMessage.count({ where: { to: { in: [n, `+86${n}`] } } }), 5, "refused requests send nothing");
      clock.advance(3600 - 5 * 61 + 1);
      await anon.queue.sendCode({ policyholderMobile: n, language: "zh-CN" });
      await assert.rejects(anon.queue.sendCode({ policyholderMobile: "12", language: "zh-CN" }), (e: unknown) => e instanceof TRPCError && e.code === "BAD_REQUEST" && e.cause instanceof Error && e.cause.name === "ZodError");
      // Every refusal is a 4xx on the wire.
      assert.deepEqual(
        (["MOBILE_CODE_WRONG", "MOBILE_CODE_EXPIRED", "MOBILE_CODE_TRIES", "MOBILE_CODE_RATE"] as const).map((c) => statusOf(c).http),
        [400, 410, 429, 429],
      );
    });
  });
}
