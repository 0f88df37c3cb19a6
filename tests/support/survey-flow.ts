// The steps users take, for browser tests and benchmarks: an agent logs in and
// opens a survey in the console; invitees open their links and join.
import type { Page } from "playwright-core";
import { demoAccounts } from "../../server/db/seed-demo";
import { describePage } from "./page-state";

export const agent1 = demoAccounts.find((a) => a.email === "agent1@example.com")!;

export async function loginAs(page: Page, baseUrl: string, account: { email: string; password: string }) {
  await page.goto(`${baseUrl}/login`);
  await page.getByTestId("login-email").fill(account.email);
  await page.getByTestId("login-password").fill(account.password);
  await page.getByTestId("login-submit").click();
  await page.waitForURL(/\/console/);
}

/** Fills the console's new-survey form; returns the survey id and both invite links. */
export async function createSurveyInConsole(page: Page, claim: { plate?: string; name?: string; adjusterName?: string; idNumber?: string } = {}) {
  await page.getByTestId("claim-policy").fill("PDAA202611220001");
  await page.getByTestId("claim-plate").fill(claim.plate ?? "沪A·12345");
  await page.getByTestId("claim-name").fill(claim.name ?? "张伟");
  await page.getByTestId("claim-mobile").fill("13800138000");
  if (claim.idNumber) await page.getByTestId("claim-id-number").fill(claim.idNumber);
  await page.getByTestId("claim-place").fill("上海市浦东新区世纪大道100号");
  await page.getByTestId("policy-start").fill("2026-01-01");
  await page.getByTestId("policy-end").fill("2026-12-31");
  await page.getByTestId("adjuster-name").fill(claim.adjusterName ?? "王强");
  await page.getByTestId("create-survey").click();
  const created = page.getByTestId("created-survey");
  await created.waitFor();
  return {
    surveyId: (await created.getAttribute("data-survey-id"))!,
    policyholderLink: (await page.getByTestId("invite-link-policyholder").textContent())!.trim(),
    adjusterLink: (await page.getByTestId("invite-link-adjuster").textContent())!.trim(),
  };
}

export async function agentJoins(page: Page, baseUrl: string, surveyId: string) {
  await page.goto(`${baseUrl}/console/surveys/${surveyId}`);
  await page.getByTestId("join-button").click();
}

export async function inviteeJoins(page: Page, link: string) {
  await page.goto(link);
  await page.getByTestId("join-button").click();
}

/** Waits until this page shows a remote video tile for each given role (and no others). */
export async function waitForRemoteRoles(page: Page, roles: string[], timeout = 90_000) {
  const want = [...roles].sort().join(",");
  try {
    await page.waitForFunction(
      (w) =>
        [...document.querySelectorAll('[data-testid="remote-video"]')]
          .map((v) => v.getAttribute("data-role"))
          .sort()
          .join(",") === w,
      want,
      { timeout },
    );
  } catch (err) {
    // Say what the page showed instead: which call phase, which error, whom it saw.
    if (err instanceof Error) {
      const frames = (err.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l));
      err.message = `${err.message}\nwaited for remote tiles [${want}]; the page:\n${await describePage(page)}`;
      err.stack = [`${err.name}: ${err.message}`, ...frames].join("\n");
    }
    throw err;
  }
}

export interface InboundStat {
  participantId: string;
  role: string;
  kind: string;
  framesDecoded: number;
  packetsReceived: number;
  bytesReceived: number;
}

export async function inboundStats(page: Page): Promise<InboundStat[]> {
  return page.evaluate(async () => {
    const call = (window as unknown as { __surveyCall?: { inboundStats(): Promise<InboundStat[]> } }).__surveyCall;
    return call ? call.inboundStats() : [];
  });
}

/** Sum of a stat per role and kind. */
export function byRoleKind(stats: InboundStat[], key: "framesDecoded" | "packetsReceived" | "bytesReceived") {
  const out: Record<string, number> = {};
  for (const s of stats) out[`${s.role}/${s.kind}`] = (out[`${s.role}/${s.kind}`] ?? 0) + s[key];
  return out;
}

/**
 * The agent ends a survey the driver signed no statement in: "End survey"
 * explains why the statement is wanted (end-survey-dialog.tsx); ending anyway
 * takes a reason, which the server records (server/domain/statement-end-rule.ts).
 */
export async function endSurveyWithoutStatement(agent: Page, reason: "driver_left" | "driver_refused" | "driver_unable" = "driver_left") {
  await agent.getByTestId("end-survey").click();
  await agent.locator(`[data-testid="end-reason"][data-reason="${reason}"]`).check();
  await agent.getByTestId("end-without-statement").click();
}
