// The place of the consent, each photo and the signature in the evidence, and
// the rule that flags a photo whose camera record (EXIF time, EXIF GPS)
// disagrees with its capture (the phone's time and fix) beyond the margins.
// The EXIF comes from real JPEG files written with sharp and read back by the
// product's own reader; the flags are read from the signed PDF's text.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { buildEvidencePackage, type BuiltPackage } from "../../server/evidence/build-package";
import type { PackageInputRaw } from "../../server/evidence/package-input";
import { DEFAULT_PLACE_CHECK_MARGINS, distanceM, exifInstant, photoPlaceFindings } from "../../server/evidence/photo-place-check";
import { verifyEvidencePackage } from "../../server/evidence/verify-package";
import { readPhotoMetadata } from "../../server/quality/read-photo-metadata";
import { makeSurveyFixture } from "../fixtures/evidence/survey-fixture";
import { testSigner } from "../fixtures/evidence/test-signer";

const SHANGHAI = "Asia/Shanghai";
const fix = { lat: 31.230416, lon: 121.473701 };

describe("the EXIF-against-capture rule", () => {
  it("measures distance on the globe", () => {
    // 0.01° of latitude is about 1.11 km anywhere.
    assert.ok(Math.abs(distanceM({ lat: 31.23, lon: 121.47 }, { lat: 31.24, lon: 121.47 }) - 1112) < 2);
    assert.equal(distanceM(fix, fix), 0);
  });

  it("reads an EXIF time with its offset exactly, and one without in the survey's zone", () => {
    assert.equal(new Date(exifInstant("2026-03-14T10:05:00+08:00", "UTC")!.ms).toISOString(), "2026-03-14T02:05:00.000Z");
    const naive = exifInstant("2026-03-14T10:05:00", SHANGHAI)!;
    assert.equal(new Date(naive.ms).toISOString(), "2026-03-14T02:05:00.000Z");
    assert.equal(naive.zoneAssumed, SHANGHAI);
    // Across a DST change the zone's own offset of that day is used.
    assert.equal(new Date(exifInstant("2026-07-01T12:00:00", "Europe/Berlin")!.ms).toISOString(), "2026-07-01T10:00:00.000Z");
    assert.equal(new Date(exifInstant("2026-01-01T12:00:00", "Europe/Berlin")!.ms).toISOString(), "2026-01-01T11:00:00.000Z");
    assert.equal(exifInstant("yesterday", SHANGHAI), null);
  });

  it("flags only what exceeds the margins, and nothing it cannot compare", () => {
    const capturedAt = "2026-03-14T02:05:00.000Z";
    const m = DEFAULT_PLACE_CHECK_MARGINS;
    assert.deepEqual(m, { timeS: 600, distanceM: 500 }, "defaults: 10 min and 500 m");
    // 9 minutes and ~440 m: within.
    assert.deepEqual(photoPlaceFindings({ capturedAt, fix, exif: { takenAt: "2026-03-14T10:14:00", gps: { lat: fix.lat + 0.004, lon: fix.lon } } }, m, SHANGHAI), []);
    // 11 minutes and ~560 m: both flagged.
    const both = photoPlaceFindings({ capturedAt, fix, exif: { takenAt: "2026-03-14T10:16:00", gps: { lat: fix.lat + 0.005, lon: fix.lon } } }, m, SHANGHAI);
    assert.deepEqual(both.map((f) => f.kind), ["time", "position"]);
    assert.equal(both[0]!.kind === "time" && both[0]!.differenceS, 660);
    assert.ok(both[1]!.kind === "position" && both[1]!.distanceM > 500 && both[1]!.distanceM < 600);
    // The margins are the caller's: a wider one lets the same photo pass.
    assert.deepEqual(photoPlaceFindings({ capturedAt, fix, exif: { takenAt: "2026-03-14T10:16:00", gps: { lat: fix.lat + 0.005, lon: fix.lon } } }, { timeS: 900, distanceM: 1000 }, SHANGHAI), []);
    // No EXIF, or no fix to set the EXIF GPS against: nothing to say.
    assert.deepEqual(photoPlaceFindings({ capturedAt, fix, exif: null }, m, SHANGHAI), []);
    assert.deepEqual(photoPlaceFindings({ capturedAt, fix: null, exif: { gps: { lat: 0.1, lon: 0.1 } } }, m, SHANGHAI), []);
  });
});

describe("places in the evidence package and the PDF", () => {
  let work: string;
  let built: BuiltPackage;
  let input: PackageInputRaw;
  let pdfText: string;

  /** A JPEG whose EXIF says when and where the camera took it; read back by the product's reader. */
  async function cameraRecord(takenAt: string, lat: number, lon: number) {
    const dms = (v: number) => {
      const a = Math.abs(v);
      const d = Math.floor(a);
      const min = Math.floor((a - d) * 60);
      const s = Math.round(((a - d) * 60 - min) * 60 * 1000);
      return `${d}/1 ${min}/1 ${s}/1000`;
    };
    const bytes = await sharp({ create: { width: 320, height: 240, channels: 3, background: "#888" } })
      .withExif({ IFD2: { DateTimeOriginal: takenAt }, IFD3: { GPSLatitudeRef: lat >= 0 ? "N" : "S", GPSLatitude: dms(lat), GPSLongitudeRef: lon >= 0 ? "E" : "W", GPSLongitude: dms(lon) } })
      .jpeg()
      .toBuffer();
    const m = await readPhotoMetadata(bytes);
    return { takenAt: m.takenAt!, gps: { lat: m.gps!.latitude, lon: m.gps!.longitude } };
  }

  before(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), "evidence-place-"));
    // Recordings as plain bytes: this test is about photos and places, not media.
    const base = await makeSurveyFixture(path.join(work, "src"), { recordings: { videoBytes: 4096, audioBytes: 2048, count: 1 } });
    const captures = base.captures as PackageInputRaw["captures"];
    // cap-1: the camera agrees with the phone (2 min, ~100 m). cap-2: the driver declined. cap-3: the camera says 3 h earlier and ~5 km away.
    const agree = await cameraRecord("2026:03:14 10:07:00", fix.lat + 0.0009, fix.lon);
    const disagree = await cameraRecord("2026:03:14 07:07:00", fix.lat + 0.045, fix.lon);
    captures[0] = { ...captures[0]!, place: { status: "fix", ...fix, accuracyM: 8, at: "2026-03-14T02:05:00Z" }, exif: agree };
    captures[1] = { ...captures[1]!, place: { status: "refused" } };
    captures[2] = { ...captures[2]!, place: { status: "fix", ...fix, accuracyM: 15, at: "2026-03-14T02:07:00Z" }, exif: disagree };
    const consents = (base.consents as PackageInputRaw["consents"]).map((c) => ({ ...c, place: { status: "fix" as const, lat: 31.2301, lon: 121.4741, accuracyM: 20, at: "2026-03-14T02:01:00Z" } }));
    const events = [...(base.events as PackageInputRaw["events"])];
    events.push({ seq: events.length + 1, at: "2026-03-14T02:30:00Z", type: "statement.waived", actorId: "p-agent", actorRole: "agent", payload: { reason: "driver_left", note: "信号中断" } });
    input = { ...base, captures, consents, events, placeCheck: { timeMarginS: 600, distanceMarginM: 500 } };
    built = await buildEvidencePackage(input, { signer: await testSigner(), outDir: path.join(work, "out") });
    // Table cells wrap: read the text as one line of words.
    pdfText = execFileSync("pdftotext", ["-layout", path.join(built.dir, "report.pdf"), "-"]).toString().replace(/\s+/g, " ");
  });
  after(async () => fs.rm(work, { recursive: true, force: true }));

  it("prints each place next to its item, and flags only the photo whose camera disagrees", () => {
    assert.match(pdfText, /手机位置 31\.230100, 121\.474100 \(误差 ±20 米, 定位时间 2026-03-14 10:01:00 UTC\+8\)/, "the consent's place");
    assert.match(pdfText, /31\.230416, 121\.473701 \(误差 ±8 米, 定位时间 2026-03-14 10:05:00 UTC\+8\)/, "the first photo's place");
    assert.ok(pdfText.includes("未共享：驾驶人拒绝"), "the declined photo says so");
    assert.ok(pdfText.includes("与拍摄记录一致（允许偏差 10 分钟、500 米）"), "the agreeing photo passes the check");
    const flags = pdfText.match(/注意：.+?）/g) ?? [];
    assert.equal(flags.length, 2, flags.join("\n"));
    assert.match(flags[0]!, /相机时间与拍摄时间相差 3 小时 0 分钟（允许偏差 10 分钟）/);
    assert.match(flags[1]!, /相机 GPS 位置与拍摄时手机位置相距 5\.0 km（允许偏差 500 米）/);
    assert.match(pdfText, /（未写时区，按 Asia\/Shanghai 解\s?读\s?）/, "a camera time without zone says how it was read");
    assert.ok(pdfText.includes("未签署声明即结束：驾驶人已离开通话 — “信号中断”"), "the statement section says why there is none");
  });

  it("the manifest's photo entries and survey.json carry the places; the package still verifies", async () => {
    const photos = built.files.filter((f) => f.role === "photo");
    const manifest = JSON.parse(await fs.readFile(path.join(built.dir, "manifest.json"), "utf8")) as { files: { role: string; ref?: string; place?: { status: string } }[] };
    assert.deepEqual(
      manifest.files.filter((f) => f.role === "photo").map((f) => [f.ref, f.place?.status]),
      [["cap-1", "fix"], ["cap-2", "refused"], ["cap-3", "fix"]],
    );
    assert.equal(photos.length, 3);
    const survey = JSON.parse(await fs.readFile(path.join(built.dir, "survey.json"), "utf8"));
    assert.equal(survey.consents[0].place.lat, 31.2301);
    assert.equal(survey.captures[2].exif.takenAt, "2026-03-14T07:07:00");
    const r = await verifyEvidencePackage(built.dir);
    assert.equal(r.ok, true, r.failures.map((f) => `${f.path} [${f.check}] ${f.message}`).join("\n"));
  });
});
