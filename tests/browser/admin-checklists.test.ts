// The checklist editor in real Chromium against the real product: the admin
// edits the car checklist (rename, remove, add, reorder) and saves; the next new
// survey works through the edited list while a survey created before the edit
// keeps its own; a rejected save marks the fields and keeps what was typed; an
// agent never gets the editor.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { desktopContext } from "../support/browser";
import { browserSession } from "../support/browser-session";
import { agent1, agentJoins, createSurveyInConsole, loginAs } from "../support/survey-flow";
import { demoAccounts } from "../../server/db/seed-demo";
import { defaultChecklist } from "../../server/domain/checklists";

const admin = demoAccounts.find((a) => a.role === "admin")!;
const defaultKeys = defaultChecklist("motor_collision").map((i) => i.key);
// Edited: odometer gone, tow_receipt added and moved up one, above id_card.
const editedKeys = [...defaultKeys.filter((k) => k !== "odometer" && k !== "id_card"), "tow_receipt", "id_card"];

const session = browserSession();
const newPage = () => session.newPage(desktopContext);

const row = (page: Page, key: string) => page.locator(`[data-testid="checklist-item"][data-key="${key}"]`);
const rowKeys = (page: Page) => page.getByTestId("checklist-item").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-key")));

async function openEditor(page: Page) {
  await page.goto(`${session.product.url}/admin/checklists`);
  await page.locator('[data-testid="checklist-editor"][data-claim-type="motor_collision"]').waitFor();
}

/** The checklist a survey works through, as the staff API gives it to the agent's console. */
async function surveyChecklist(page: Page, surveyId: string): Promise<{ key: string; label: { en: string } }[]> {
  return page.evaluate(async (id) => {
    const r = await fetch(`/api/trpc/captures.checklist?input=${encodeURIComponent(JSON.stringify({ json: { surveyId: id } }))}`);
    if (!r.ok) throw new Error(`captures.checklist: ${r.status} ${await r.text()}`);
    return (await r.json()).result.data.json;
  }, surveyId);
}

let adminPage: Page;
let agentPage: Page;

test("the admin edits the car checklist; the next survey uses it, a running survey keeps its own", { timeout: 600_000 }, async () => {
  agentPage = await newPage();
  await loginAs(agentPage, session.product.url, agent1);
  const running = await createSurveyInConsole(agentPage, { plate: "沪A·10001" });

  adminPage = await newPage();
  await loginAs(adminPage, session.product.url, admin);
  await adminPage.getByTestId("nav-checklists").click();
  await adminPage.waitForURL(/\/admin\/checklists$/);
  await adminPage.locator('[data-testid="checklist-editor"][data-claim-type="motor_collision"]').waitFor();
  assert.equal(await adminPage.getByTestId("checklist-claim-type").inputValue(), "motor_collision");
  assert.deepEqual(await rowKeys(adminPage), defaultKeys);

  const corner = row(adminPage, "corner_front_left");
  await corner.getByTestId("checklist-label-en").fill("Front-left corner, wide");
  await corner.getByTestId("checklist-label-zh").fill("左前角（全景）");
  await row(adminPage, "odometer").getByTestId("checklist-remove").click();
  await adminPage.getByTestId("checklist-add").click();
  const added = adminPage.getByTestId("checklist-item").last();
  await added.getByTestId("checklist-key").fill("tow_receipt");
  await added.getByTestId("checklist-label-zh").fill("拖车单");
  await added.getByTestId("checklist-label-en").fill("Tow receipt");
  await added.getByTestId("checklist-instruction-zh").fill("将拖车单平放，填满框线。");
  await added.getByTestId("checklist-instruction-en").fill("Lay the tow receipt flat and fill the outline.");
  await added.getByTestId("checklist-overlay").selectOption("/guides/card.svg");
  await added.getByTestId("checklist-required").uncheck();
  await row(adminPage, "tow_receipt").getByTestId("checklist-up").click();
  assert.deepEqual(await rowKeys(adminPage), editedKeys);
  await adminPage.getByTestId("checklist-save").click();
  await adminPage.getByTestId("checklist-saved").waitFor();

  await adminPage.reload();
  await adminPage.locator('[data-testid="checklist-editor"][data-claim-type="motor_collision"]').waitFor();
  assert.deepEqual(await rowKeys(adminPage), editedKeys, "the saved list comes back after a reload");
  assert.equal(await row(adminPage, "corner_front_left").getByTestId("checklist-label-en").inputValue(), "Front-left corner, wide");
  const tow = row(adminPage, "tow_receipt");
  assert.equal(await tow.getByTestId("checklist-overlay").inputValue(), "/guides/card.svg");
  assert.equal(await tow.getByTestId("checklist-required").isChecked(), false);

  // A new survey, opened in the console: the agent's checklist is the edited one.
  await agentPage.goto(`${session.product.url}/console`);
  const next = await createSurveyInConsole(agentPage, { plate: "沪A·10002" });
  await agentJoins(agentPage, session.product.url, next.surveyId);
  const panel = agentPage.getByTestId("checklist");
  await panel.locator('[data-testid="checklist-item"][data-key="tow_receipt"]').waitFor();
  assert.deepEqual(await panel.getByTestId("checklist-item").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-key"))), editedKeys);
  assert.equal((await panel.locator('[data-testid="checklist-item"][data-key="corner_front_left"] td').first().textContent())!.trim(), "Front-left corner, wide");
  assert.deepEqual((await surveyChecklist(agentPage, next.surveyId)).map((i) => i.key), editedKeys);

  // The survey created before the edit still has every shot it started with.
  const kept = await surveyChecklist(agentPage, running.surveyId);
  assert.deepEqual(kept.map((i) => i.key), defaultKeys);
  assert.equal(kept[0]!.label.en, "Front-left corner");
});

test("a rejected save marks the fields, keeps everything typed and saves nothing", { timeout: 600_000 }, async () => {
  await openEditor(adminPage);
  await row(adminPage, "corner_front_right").getByTestId("checklist-label-en").fill("");
  await row(adminPage, "corner_rear_left").getByTestId("checklist-label-zh").fill("左后角（已改）");
  await row(adminPage, "corner_rear_right").getByTestId("checklist-key").fill("corner_front_left");
  await adminPage.getByTestId("checklist-save").click();
  await adminPage.getByTestId("checklist-error").waitFor();

  const emptyLabel = row(adminPage, "corner_front_right");
  assert.equal(await emptyLabel.getAttribute("data-invalid"), "true");
  assert.equal((await emptyLabel.getByTestId("checklist-field-error").textContent())!.trim(), "Required.");
  assert.equal(await emptyLabel.getByTestId("checklist-label-en").getAttribute("aria-invalid"), "true");
  const duplicate = row(adminPage, "corner_front_left").nth(1);
  assert.equal((await duplicate.getByTestId("checklist-field-error").textContent())!.trim(), "Another item already has this key.");
  assert.equal(await row(adminPage, "corner_front_left").first().getAttribute("data-invalid"), "false", "the first holder of the key is fine");
  assert.equal(await adminPage.getByTestId("checklist-field-error").count(), 2);
  // Nothing typed was lost.
  assert.equal(await adminPage.getByTestId("checklist-item").count(), editedKeys.length);
  assert.equal(await emptyLabel.getByTestId("checklist-label-en").inputValue(), "");
  assert.equal(await row(adminPage, "corner_rear_left").getByTestId("checklist-label-zh").inputValue(), "左后角（已改）");
  assert.equal(await duplicate.getByTestId("checklist-key").inputValue(), "corner_front_left");

  // The marks follow the page's language.
  await adminPage.getByTestId("language-switch").click();
  assert.equal((await emptyLabel.getByTestId("checklist-field-error").textContent())!.trim(), "必填。");
  await adminPage.getByTestId("language-switch").click();
  // Fixing a field clears its mark.
  await emptyLabel.getByTestId("checklist-label-en").fill("Front-right corner");
  assert.equal(await emptyLabel.getAttribute("data-invalid"), "false");

  // A problem with the list as a whole is said above the buttons.
  while ((await adminPage.getByTestId("checklist-item").count()) > 0) await adminPage.getByTestId("checklist-remove").first().click();
  await adminPage.getByTestId("checklist-save").click();
  await adminPage.getByTestId("checklist-error").getByText("The checklist needs at least one item.").waitFor();

  await adminPage.reload();
  await adminPage.locator('[data-testid="checklist-editor"][data-claim-type="motor_collision"]').waitFor();
  assert.deepEqual(await rowKeys(adminPage), editedKeys, "the rejected save changed nothing on the server");
  assert.equal(await row(adminPage, "corner_rear_left").getByTestId("checklist-label-zh").inputValue(), "左后角");
});

test("reset to defaults brings back the built-in list once saved; other claim types are separate", { timeout: 600_000 }, async () => {
  await openEditor(adminPage);
  await adminPage.getByTestId("checklist-claim-type").selectOption("property");
  await adminPage.locator('[data-testid="checklist-editor"][data-claim-type="property"]').waitFor();
  assert.deepEqual(await rowKeys(adminPage), defaultChecklist("property").map((i) => i.key));

  await adminPage.getByTestId("checklist-claim-type").selectOption("motor_collision");
  await adminPage.locator('[data-testid="checklist-editor"][data-claim-type="motor_collision"]').waitFor();
  assert.deepEqual(await rowKeys(adminPage), editedKeys);
  await adminPage.getByTestId("checklist-reset").click();
  assert.deepEqual(await rowKeys(adminPage), defaultKeys);
  await adminPage.getByTestId("checklist-save").click();
  await adminPage.getByTestId("checklist-saved").waitFor();
  await adminPage.reload();
  await adminPage.locator('[data-testid="checklist-editor"][data-claim-type="motor_collision"]').waitFor();
  assert.deepEqual(await rowKeys(adminPage), defaultKeys);
});

test("an agent who opens the editor's address gets no editor, and the server refuses a save", { timeout: 600_000 }, async () => {
  await agentPage.goto(`${session.product.url}/admin/checklists`);
  await agentPage.getByTestId("checklist-forbidden").waitFor();
  assert.equal(await agentPage.getByTestId("checklist-editor").count(), 0);
  assert.equal(await agentPage.getByTestId("checklist-item").count(), 0);
  assert.equal(await agentPage.getByTestId("nav-checklists").count(), 0, "agents get no link to it");

  const status = await agentPage.evaluate(async (items) => {
    const r = await fetch("/api/trpc/checklists.save", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ json: { claimType: "motor_collision", items } }),
    });
    return r.status;
  }, defaultChecklist("motor_collision").slice(0, 1));
  assert.equal(status, 403);
});
