// The driver's statement and hand signature end to end in real Chromium
// against the real product: consent, one photo, the agent asks for the
// statement, the phone shows it (with the photo's hash); a second photo taken
// while the driver reads changes it (the phone says so and empties the pad);
// the driver signs
// with real touch input (CDP touch events, so the page sees trusted
// pointerType "touch" events); agent and field adjuster confirm; the survey
// ends; the evidence package is built, the offline verifier (scripts/cli.mjs
// verify <package folder> --json) reports the statement's hash matching the signed one with the
// signature image's hash, and the PDF prints the signature's hash.
// Place: the driver first answers on a phone that shares no position (asked
// once, with the reason, before the browser's prompt, which refuses): the
// consent and the first photo are recorded without a position and the survey
// goes on. The driver continues on a phone that shares its position: the
// second photo and the signature carry it, and the PDF prints each next to
// its item. Ending: "End survey" before the statement explains why it is
// wanted and asks for it; with the statement signed it just ends.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { desktopContext, launchBrowser, phoneContext } from "../support/browser";
import { browserSession, cspViolations } from "../support/browser-session";
import { y4mFromPhoto } from "../support/fake-camera";
import { agent1, agentJoins, createSurveyInConsole, inviteeJoins, loginAs, waitForRemoteRoles } from "../support/survey-flow";

const root = path.resolve(import.meta.dirname, "../..");
const session = browserSession({
  launch: () => launchBrowser({ fakeVideoFile: y4mFromPhoto(path.join(root, "tests/fixtures/photos/city-sharp.jpg")) }),
});
const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
/** Where the sharing phone is (Playwright's emulated position). */
const PLACE = { latitude: 31.2304, longitude: 121.4737, accuracy: 12 };

/** Draws strokes on the pad with the touchscreen (Chrome DevTools Protocol), as a finger would. */
async function signWithFinger(phone: Page) {
  const pad = phone.getByTestId("signature-pad");
  await pad.scrollIntoViewIfNeeded();
  const box = (await pad.boundingBox())!;
  const cdp = await phone.context().newCDPSession(phone);
  const strokes = [
    Array.from({ length: 24 }, (_, i) => ({ x: box.x + 20 + i * 10, y: box.y + box.height / 2 + Math.sin(i / 3) * 40 })),
    Array.from({ length: 10 }, (_, i) => ({ x: box.x + 60 + i * 15, y: box.y + box.height - 30 })),
  ];
  for (const points of strokes) {
    await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [{ x: points[0]!.x, y: points[0]!.y }] });
    for (const p of points.slice(1)) {
      await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: [{ x: p.x, y: p.y }] });
      await phone.waitForTimeout(16);
    }
    await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  }
  await cdp.detach();
}

/** The package folder the server built (the archive serves it as a zip on download). */
function packageDir(dataDir: string, surveyId: string): string | null {
  const dir = path.join(dataDir, "evidence", "packages");
  if (!existsSync(dir)) return null;
  const found = readdirSync(dir).find((f) => f.startsWith(`${surveyId}.`) && !f.endsWith(".zip"));
  return found ? path.join(dir, found) : null;
}

test("statement: asked, read on the phone, signed by touch, confirmed by agent and adjuster; the package and the offline verifier carry it", { timeout: 600_000 }, async () => {
  const agent = await session.newPage(desktopContext);
  await loginAs(agent, session.product.url, agent1);
  const { surveyId, policyholderLink, adjusterLink } = await createSurveyInConsole(agent, { plate: `沪S·${String(Date.now()).slice(-5)}` });
  await agentJoins(agent, session.product.url, surveyId);
  // A phone that shares no position: our question (with the reason, in the driver's language) comes before the browser's, which refuses.
  const refusing = await session.newPage(phoneContext);
  await inviteeJoins(refusing, policyholderLink);
  const adjuster = await session.newPage(desktopContext);
  await inviteeJoins(adjuster, adjusterLink);
  await waitForRemoteRoles(agent, ["policyholder", "adjuster"]);
  const ask = refusing.getByTestId("place-ask");
  await ask.waitFor();
  assert.match((await ask.textContent())!, /是否共享您的位置？.*仅在这些时刻读取位置/);
  await refusing.getByTestId("place-allow").click();
  await refusing.getByTestId("place-refused").waitFor();
  assert.equal(await ask.count(), 0, "asked once");

  // The survey goes on: consent and a photo, recorded without a position.
  await refusing.getByTestId("consent-accept").click();
  await agent.getByTestId("rec-indicator").waitFor();
  await agent.locator('[data-testid="checklist-item"][data-key="licence_plate"] [data-testid="push-guide"]').click();
  await refusing.getByTestId("shutter").click();
  // The statement lists stored photos: wait for the original to be on record.
  await agent.locator('[data-testid="gallery-photo"][data-item="licence_plate"]').waitFor({ timeout: 180_000 });
  await refusing.context().close();

  // The driver goes on with a phone that shares its position (the same link): no question, the browser already allows it.
  const phone = await session.newPage({ ...phoneContext, geolocation: PLACE, permissions: ["geolocation"] });
  await inviteeJoins(phone, policyholderLink);
  await agent.locator('[data-testid="remote-tile"][data-role="policyholder"]').waitFor();
  await phone.getByTestId("capture-panel").waitFor();
  assert.equal(await phone.getByTestId("place-ask").count(), 0);

  // Nothing to sign before the agent asks; the consoles say so.
  const agentStatus = agent.getByTestId("statement-status");
  assert.equal(await agentStatus.getAttribute("data-state"), "not-requested");
  assert.equal(await phone.getByTestId("statement-sign").count(), 0);
  // "End survey" before the statement: the console says why it is wanted and asks for it first.
  await agent.getByTestId("end-survey").click();
  const endDialog = agent.getByTestId("end-survey-dialog");
  await endDialog.waitFor();
  assert.match((await agent.getByTestId("end-dialog-why").textContent())!, /^(驾驶人尚未签署声明。签署的声明是驾驶人本人|The driver has not signed the statement yet\. The signed statement is the driver's own)/);
  assert.equal(await agent.getByTestId("end-without-statement").isDisabled(), true, "ending without it needs a reason");
  await agent.getByTestId("end-dialog-request").click();
  await endDialog.waitFor({ state: "detached" });
  await agent.locator('[data-testid="statement-status"][data-state="waiting"]').waitFor();
  await adjuster.locator('[data-testid="statement-status"][data-state="waiting"]').waitFor();

  // The phone shows the statement in its language (zh-CN), with the photo's stored hash and the consent.
  const sheet = phone.getByTestId("statement-sign");
  await sheet.waitFor();
  assert.equal(await sheet.getAttribute("data-locale"), "zh-CN");
  let text = (await phone.getByTestId("statement-text").textContent())!;
  let statementSha = (await sheet.getAttribute("data-sha256"))!;
  assert.equal(sha256(Buffer.from(text, "utf8")), statementSha, "the hash shown is the hash of the text shown");
  assert.equal((await phone.getByTestId("statement-hash").textContent())!.trim(), `${statementSha.slice(0, 8)}…${statementSha.slice(-8)}`);
  assert.ok(text.includes("被保险驾驶人声明") && text.includes("上海市浦东新区世纪大道100号"), text);
  assert.ok(text.includes("同意对本次查勘进行录音录像"), "the consent is stated");
  const photoDir = path.join(session.product.dataDir, "media", surveyId, "photos");
  const stored = readdirSync(photoDir).filter((n) => !n.includes(".thumb-") && !n.includes(".provisional."));
  assert.equal(stored.length, 1, stored.join(", "));
  assert.ok(text.includes(`SHA-256 ${sha256(readFileSync(path.join(photoDir, stored[0]!)))}`), `the photo's stored hash is in the statement:\n${text}`);

  // Sign is disabled until something is drawn; clear empties the pad.
  assert.equal(await phone.getByTestId("signature-sign").isDisabled(), true);
  await signWithFinger(phone);
  await phone.waitForFunction(() => !(document.querySelector('[data-testid="signature-sign"]') as HTMLButtonElement).disabled);
  await phone.getByTestId("signature-clear").click();
  assert.equal(await phone.getByTestId("signature-sign").isDisabled(), true, "clear empties the pad");

  // A photo taken while the driver reads changes the statement: the phone says so, shows the new text and empties the pad.
  await signWithFinger(phone);
  await agent.locator('[data-testid="checklist-item"][data-key="vin_plate"] [data-testid="push-guide"]').click();
  await agent.locator('[data-testid="checklist-item"][data-key="vin_plate"] [data-testid="remote-capture"]').click();
  // The gallery shows accepted photos only: if none comes, say what the server judged (seen once at load 14–24: refused, reasons not kept).
  await agent.locator('[data-testid="gallery-photo"][data-item="vin_plate"]').waitFor({ timeout: 180_000 }).catch(async (err: Error) => {
    const judged = await agent.evaluate(async (id) => {
      const r = await fetch(`/api/trpc/captures.list?input=${encodeURIComponent(JSON.stringify({ json: { surveyId: id } }))}`);
      return (await r.json()).result.data.json as { itemKey: string }[];
    }, surveyId);
    throw new Error(`${err.message}\nthe VIN photos as the server judged them: ${JSON.stringify(judged.filter((c) => c.itemKey === "vin_plate"))}`);
  });
  await phone.waitForFunction((old) => document.querySelector('[data-testid="statement-sign"]')?.getAttribute("data-sha256") !== old, statementSha);
  await phone.getByTestId("statement-error").waitFor();
  assert.equal((await phone.getByTestId("statement-error").textContent())!.trim(), "声明内容已变更，请重新阅读。");
  assert.equal(await phone.getByTestId("signature-sign").isDisabled(), true, "the pad was emptied");
  const oldSha = statementSha;
  text = (await phone.getByTestId("statement-text").textContent())!;
  statementSha = (await sheet.getAttribute("data-sha256"))!;
  assert.notEqual(statementSha, oldSha);
  assert.equal(sha256(Buffer.from(text, "utf8")), statementSha);
  assert.equal(text.match(/SHA-256 [0-9a-f]{64}/g)?.length, 2, "the new text lists both photos");
  await signWithFinger(phone);
  const signRequest = phone.waitForRequest((r) => r.url().includes("statement.sign") && r.method() === "POST");
  await phone.getByTestId("signature-sign").click();
  const sent = JSON.parse((await signRequest).postData()!) as Record<string, { json: { imagePngBase64: string; strokes: { pointerType: string; points: { t: number }[] }[] } }>;
  const submission = Object.values(sent)[0]!.json;
  assert.equal(submission.strokes.length, 2, "two strokes after the clear");
  assert.ok(submission.strokes.every((s) => s.pointerType === "touch" && s.points.length >= 5), "touch strokes with their points");
  const times = submission.strokes.flatMap((s) => s.points.map((p) => p.t));
  assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]!) && times.at(-1)! > times[0]!, "points carry increasing times");
  const imageSha = sha256(Buffer.from(submission.imagePngBase64, "base64"));
  await phone.locator(`[data-testid="statement-signed"][data-sha256="${statementSha}"]`).waitFor();

  // Both consoles see it signed and confirm.
  await agent.locator('[data-testid="statement-status"][data-state="signed"]').waitFor();
  assert.equal((await agent.getByTestId("statement-hash").textContent())!.trim(), `${statementSha.slice(0, 8)}…${statementSha.slice(-8)}`);
  await agent.getByTestId("statement-confirm").click();
  await agent.locator('[data-testid="statement-confirmed-agent"][data-done="1"]').waitFor();
  await adjuster.locator('[data-testid="statement-status"][data-state="signed"]').waitFor();
  await adjuster.getByTestId("statement-confirm").click();
  await agent.locator('[data-testid="statement-status"][data-state="confirmed"]').waitFor();
  await adjuster.locator('[data-testid="statement-status"][data-state="confirmed"]').waitFor();

  await agent.getByTestId("end-survey").click();
  await phone.getByTestId("call-ended").waitFor();
  await agent.locator('[data-testid="evidence-progress"][data-status="ready"]').waitFor({ timeout: 240_000 });

  const pkg = packageDir(session.product.dataDir, surveyId);
  assert.ok(pkg, "the package is in the data folder");
  const cli = spawnSync(process.execPath, [path.join(root, "scripts/cli.mjs"), "verify", pkg, "--survey", surveyId, "--json"], { encoding: "utf8" });
  assert.equal(cli.status, 0, `${cli.stdout}\n${cli.stderr}`);
  const verified = JSON.parse(cli.stdout) as {
    ok: boolean;
    checks: Record<string, string>;
    statement: { present: boolean; matches: boolean; statementSha256: string; signedStatementSha256: string; imageSha256: string; imageMatches: boolean; confirmations: { role: string; matches: boolean }[] };
  };
  assert.equal(verified.ok, true);
  assert.equal(verified.checks.statement, "pass");
  assert.equal(verified.statement.present, true);
  assert.equal(verified.statement.matches, true);
  assert.equal(verified.statement.statementSha256, statementSha);
  assert.equal(verified.statement.signedStatementSha256, statementSha);
  assert.equal(verified.statement.imageSha256, imageSha, "the signature image in the package is the one the phone sent");
  assert.equal(verified.statement.imageMatches, true);
  assert.deepEqual(verified.statement.confirmations.map((c) => [c.role, c.matches]), [["agent", true], ["adjuster", true]]);

  // The package's text is the one the phone showed, byte for byte; the PDF prints the signature's hash.
  assert.equal(readFileSync(path.join(pkg, "statement/statement.txt"), "utf8"), text);
  const pdfPath = path.join(pkg, "report.pdf");
  const pdfText = execFileSync("pdftotext", ["-layout", pdfPath, "-"], { maxBuffer: 64 * 1024 * 1024 }).toString();
  assert.ok(pdfText.includes(imageSha), "the PDF shows the signature image's SHA-256");
  assert.ok(pdfText.includes(statementSha), "the PDF shows the statement's SHA-256");
  // The report is in the survey's language; the statement in the language the driver read it in.
  assert.match(pdfText, /驾驶人声明与签名|Driver's statement and signature/, "the PDF's statement section");
  assert.ok(pdfText.includes("被保险驾驶人声明"), "the PDF prints the statement as the driver read it");
  // Places: the refused phone's consent and photo say so; the sharing phone's photo and the signature show its position.
  const flat = pdfText.replace(/\s+/g, " ");
  const [beforeStatement, statementPart] = flat.split(/驾驶人声明与签名|Driver's statement and signature/).slice(-2) as [string, string];
  const at = /31\.230400, 121\.473700 \((误差 ±12 米|±12 m), (定位时间|fix at) /g;
  assert.equal(beforeStatement.match(at)?.length, 1, `the second photo's position:\n${beforeStatement}`);
  assert.equal(statementPart.match(at)?.length, 1, `the signature's position:\n${statementPart}`);
  assert.equal(flat.match(/未共享：驾驶人拒绝|not shared: the driver declined/g)?.length, 2, "the consent and the first photo: refused");
  assert.ok(!/未签署声明即结束|Ended without a signed statement/.test(flat), "ended with the statement");
  // The playback timeline shows the three steps, each named by person.
  await agent.goto(`${session.product.url}/surveys/${surveyId}/playback`);
  await agent.locator('[data-testid="playback-marker"][data-type="statement.signed"]').waitFor();
  assert.equal(await agent.locator('[data-testid="playback-marker"][data-type="statement.requested"]').count(), 1);
  const confirmedBy = await agent.locator('[data-testid="playback-marker"][data-type="statement.confirmed"] [data-testid="marker-actor"]').allTextContents();
  assert.equal(confirmedBy.length, 2);
  assert.ok(confirmedBy.some((a) => a.includes(agent1.name)) && confirmedBy.some((a) => a.includes("王强")), confirmedBy.join(" | "));
  assert.deepEqual(cspViolations, []);
});
