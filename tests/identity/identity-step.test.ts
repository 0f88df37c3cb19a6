// The identity step below the browser: the real OCR model reads a clean
// generated ID card exactly (name, number, portrait); the GB 11643 check
// character; the claim's optional identity number (validated, stored: the
// migration applies on both databases); and the step through the real tRPC
// router — start, a 409 until the three photos are in, the card read into an
// identity.read event compared with the claim (a different name is flagged),
// the attestation with its reason as an identity.attested event bound to the
// photos' hashes, and the package input with the portrait crop.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import sharp from "sharp";
import { TRPCError } from "@trpc/server";
import { appRouter } from "../../server/api/root";
import type { TrpcContext } from "../../server/api/trpc";
import type { AppContext } from "../../server/app-context";
import { seedDemoAccounts } from "../../server/db/seed-demo";
import { DomainError } from "../../server/domain/errors";
import { surveyRequestInput } from "../../server/domain/claim-input";
import { describeIssues } from "../../server/i18n/validation-messages";
import { idCheckCharacter, idNumberValid } from "../../server/identity/id-number";
import { readCard } from "../../server/identity/read-card";
import { readCardFront } from "../../server/identity/identity-step";
import { identityForPackage } from "../../server/identity/identity-evidence";
import { LocalDiskStorage } from "../../media/recording/storage/local-disk-storage";
import { databaseKinds, freshDatabase, type TestDatabase } from "../support/databases";
import { claimRequest } from "../support/claim-fixtures";
import { cardFrontSvg, photographCard, randomPerson, renderSvg, seededRandom, STRAIGHT, type CardPerson } from "../support/id-card-image";

const log = pino({ level: "silent" });
const person: CardPerson = { ...randomPerson(seededRandom(7)), name: "欧阳明辉" };
let cardPhoto: Buffer;

before(async () => {
  cardPhoto = await photographCard(await renderSvg(cardFrontSvg(person)), STRAIGHT);
});

test("the GB 11643 check character: MOD 11-2, X for 10", () => {
  assert.equal(idCheckCharacter("11010519491231002"), "X");
  assert.ok(idNumberValid("11010519491231002X"));
  assert.ok(idNumberValid("11010519491231002x"), "a lower-case x is read as X");
  assert.ok(!idNumberValid("110105194912310021"), "a wrong check character");
  assert.ok(!idNumberValid("11010519491231002"), "17 characters");
  assert.ok(idNumberValid(person.idNumber));
});

test("the OCR model reads a clean generated card exactly, and finds its portrait", async () => {
  const r = await readCard(cardPhoto);
  assert.equal(r.name, person.name, `lines read: ${r.lines.map((l) => l.text).join(" / ")}`);
  assert.equal(r.idNumber, person.idNumber);
  assert.ok(r.portraitJpeg, "a portrait crop");
  // The crop is the photo frame: mostly the frame's grey-blue, with the dark silhouette in the middle.
  const { data, info } = await sharp(r.portraitJpeg!).greyscale().raw().toBuffer({ resolveWithObject: true });
  const at = (fx: number, fy: number) => data[Math.floor(fy * info.height) * info.width + Math.floor(fx * info.width)]!;
  // (The photo is exposed like a camera's: the frame's background comes out about 180, the head about 105.)
  const head = at(0.5, 0.35);
  const corner = at(0.15, 0.15);
  assert.ok(head < 135, `the head in the middle (${head})`);
  assert.ok(corner > 160 && corner - head > 45, `the frame's light background in the corner (${corner}, head ${head})`);
  for (const h of Object.values(r.model)) assert.match(h, /^[0-9a-f]{64}$/);
});

test("a claim's identity number must have a valid check character; the refusal names the field in the user's language", () => {
  const bad = surveyRequestInput.safeParse({ ...claimRequest(), claim: { ...claimRequest().claim, policyholderIdNumber: "110105194912310021" } });
  assert.equal(bad.success, false);
  const zh = describeIssues(bad.error!.issues, "zh-CN").fields.map((f) => f.message).join(" ");
  const en = describeIssues(bad.error!.issues, "en").fields.map((f) => f.message).join(" ");
  assert.match(zh, /校验位正确的居民身份证号码/);
  assert.match(en, /valid check digit/);
  const ok = surveyRequestInput.parse({ ...claimRequest(), claim: { ...claimRequest().claim, policyholderIdNumber: "11010519491231002x" } });
  assert.equal(ok.claim.policyholderIdNumber, "11010519491231002X");
});

for (const kind of databaseKinds) {
  describe(`identity step on ${kind}`, () => {
    let t: TestDatabase;
    let app: AppContext;
    let dir: string;
    before(async () => {
      t = await freshDatabase(kind);
      await seedDemoAccounts(t.db);
      dir = await mkdtemp(path.join(os.tmpdir(), "identity-step-"));
      app = { env: { PUBLIC_URL: "https://survey.example.com", INVITE_TTL_HOURS: 48 }, db: t.db, log, storage: new LocalDiskStorage(dir), sms: { send: async () => undefined } } as unknown as AppContext;
    });
    after(async () => {
      await t?.drop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    async function caller(email: string) {
      const user = await t.db.user.findUniqueOrThrow({ where: { email } });
      return appRouter.createCaller({ app, user, sessionToken: undefined, locale: "en", setSessionCookie: () => undefined } as unknown as TrpcContext);
    }
    const refused = (code: TRPCError["code"], domain?: string) => (e: unknown) =>
      e instanceof TRPCError && e.code === code && (!domain || (e.cause instanceof DomainError && e.cause.code === domain));

    async function put(key: string, bytes: Buffer) {
      const w = await app.storage.put(key);
      await w.write(bytes);
      await w.sync();
      await w.close();
      await app.storage.finalise(key);
    }

    async function photo(surveyId: string, itemKey: string, bytes: Buffer) {
      const key = `${surveyId}/photos/${itemKey}.jpg`;
      await put(key, bytes);
      return t.db.capture.create({
        data: {
          surveyId, participantId: "p", itemKey, idempotencyKey: `k-${itemKey}`, mediaType: "image/jpeg", byteSize: bytes.length,
          sha256: createHash("sha256").update(bytes).digest("hex"), width: 1280, height: 720, storageKey: key, thumbSmallKey: key, thumbLargeKey: key,
          scores: "{}", verdict: "accepted", modelSha256: "0".repeat(64),
        },
      });
    }

    // One case per database (each reading costs the OCR a second or two): a match on one, a mismatch on the other.
    for (const { title, claimName, match } of [
      kind === "sqlite"
        ? { title: "a card that matches the claim", claimName: person.name, match: true }
        : { title: "a card whose name is not the policyholder's is flagged", claimName: "张伟", match: false },
    ]) {
      test(`${title}: read, compared, attested, packaged`, async () => {
        const agent = await caller("agent1@example.com");
        const request = claimRequest({ policyholderName: claimName, policyholderIdNumber: person.idNumber });
        const created = await agent.surveys.create({ ...request, sendSms: false });
        const surveyId = created.surveyId;
        assert.equal((await t.db.claim.findFirstOrThrow({ where: { surveys: { some: { id: surveyId } } } })).policyholderIdNumber, person.idNumber);

        await assert.rejects(agent.identity.attest({ surveyId, decision: "confirmed", reason: "看过了" }), refused("CONFLICT", "IDENTITY_NOT_STARTED"));
        await agent.identity.start({ surveyId });
        assert.equal((await agent.identity.status({ surveyId })).requested, true);
        await assert.rejects(agent.identity.attest({ surveyId, decision: "confirmed", reason: "看过了" }), refused("CONFLICT", "IDENTITY_INCOMPLETE"));

        const front = await photo(surveyId, "identity_card_front", cardPhoto);
        await photo(surveyId, "identity_card_back", await photographCard(await renderSvg(cardFrontSvg(person)), { ...STRAIGHT, rotate: 3 }));
        const face = await photo(surveyId, "identity_face", await sharp({ create: { width: 640, height: 480, channels: 3, background: "#c8a080" } }).jpeg().toBuffer());
        const first = await agent.identity.status({ surveyId });
        assert.ok(["reading", "done"].includes(first.readingState), first.readingState);
        const reading = await readCardFront(app, surveyId, front.id);
        assert.equal(reading.name, person.name);
        assert.equal(reading.idNumber, person.idNumber);
        assert.equal(reading.idNumberValid, true);
        assert.equal(reading.nameMatches, match);
        assert.equal(reading.numberMatches, true);
        const status = await agent.identity.status({ surveyId });
        assert.equal(status.readingState, "done");
        assert.equal(status.reading?.nameMatches, match);
        assert.match(status.reading?.portraitDataUrl ?? "", /^data:image\/jpeg;base64,/);
        assert.equal(status.shots.face?.captureId, face.id);

        await assert.rejects(agent.identity.attest({ surveyId, decision: "confirmed", reason: "" }), refused("BAD_REQUEST"));
        await assert.rejects(agent.identity.attest({ surveyId, decision: "maybe" as "confirmed", reason: "看过了" }), refused("BAD_REQUEST"));
        const decision = match ? "confirmed" : "not_confirmed";
        const reason = match ? "证件与本人一致" : "证件姓名与投保人不符";
        await agent.identity.attest({ surveyId, decision, reason });

        const events = await t.db.surveyEvent.findMany({ where: { surveyId, type: { startsWith: "identity." } }, orderBy: { seq: "asc" } });
        assert.deepEqual(events.map((e) => e.type), ["identity.requested", "identity.read", "identity.attested"]);
        const attested = JSON.parse(events[2]!.payload);
        assert.equal(attested.decision, decision);
        assert.equal(attested.reason, reason);
        assert.equal(attested.cardFront.sha256, front.sha256);
        assert.equal(attested.portraitSha256, reading.portraitSha256);
        assert.equal(attested.read.nameMatches, match);

        const survey = await t.db.survey.findUniqueOrThrow({ where: { id: surveyId }, include: { events: { orderBy: { seq: "asc" } } } });
        const pkg = await identityForPackage(t.db, surveyId, survey.events, app.storage, async (u) => `staff-${u}`, new Set());
        assert.equal(pkg?.attestation?.decision, decision);
        assert.equal(pkg?.shots.front, front.id);
        assert.equal(createHash("sha256").update(Buffer.from(pkg!.portraitJpegBase64!, "base64")).digest("hex"), reading.portraitSha256);
      });
    }
  });
}
