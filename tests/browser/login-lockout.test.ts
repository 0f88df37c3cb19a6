// The login page after too many wrong passwords, in real Chromium against the real
// product: the lock-out notice in Chinese and, after the language switch, in English;
// even the right password is refused while the lock lasts. The page runs under its CSP
// (browserSession fails the file on any violation).
import { test } from "node:test";
import assert from "node:assert/strict";
import { browserSession } from "../support/browser-session";
import { startProductProcess } from "../support/product-process";

const session = browserSession({ start: () => startProductProcess({ env: { LOGIN_FREE_FAILURES_PER_ACCOUNT: "2", LOGIN_LOCKOUT_BASE_SECONDS: "300" } }) });

test("after two wrong passwords the login page shows the lock-out notice in both languages", { timeout: 600_000 }, async () => {
  const page = await session.newPage({ locale: "zh-CN" });
  await page.goto(`${session.product.url}/login`);
  const attempt = async (password: string, expected: RegExp) => {
    await page.getByTestId("login-email").fill("agent1@example.com");
    await page.getByTestId("login-password").fill(password);
    await page.getByTestId("login-submit").click();
    await page.getByTestId("login-error").filter({ hasText: expected }).waitFor({ timeout: 60_000 });
  };
  await attempt("wrong-1", /^邮箱或密码错误。$/);
  await attempt("wrong-2", /^邮箱或密码错误。$/);
  // Locked now: even the right password is refused, and the page says for how long.
  await attempt("agent-demo-2026", /^失败次数过多，登录已锁定 \d+ 秒/);
  await page.getByTestId("language-switch").click();
  await attempt("agent-demo-2026", /^Too many failed attempts\. Log-in is locked for \d+ s/);
  assert.match(page.url(), /\/login/, "still on the login page");
});
