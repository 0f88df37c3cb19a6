// What a test's pages showed when it failed: each page's address, its call
// (phase, error, who it sees, the call's own trace of steps), the error cards
// on screen, the start of its visible text, its last console lines and a
// screenshot. A wait that times out then says what the page was doing instead.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";

const CONSOLE_LINES = 40;
const consoleLines = new WeakMap<Page, string[]>();

/** Keeps the last console lines and uncaught errors of every page of this context. */
export function keepPageConsole(ctx: BrowserContext): void {
  const keep = (page: Page, line: string) => {
    let lines = consoleLines.get(page);
    if (!lines) consoleLines.set(page, (lines = []));
    if (lines.length >= CONSOLE_LINES) lines.shift();
    lines.push(`${new Date().toISOString().slice(11, 23)} ${line}`.slice(0, 500));
  };
  const watch = (page: Page) => {
    page.on("console", (m) => keep(page, `${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => keep(page, `pageerror: ${e.message}`));
    page.on("crash", () => keep(page, "the page crashed"));
  };
  for (const p of ctx.pages()) watch(p);
  ctx.on("page", watch);
}

/** Settles within `ms` whatever the page does: a busy or dead page must not hide the failure being reported. */
function within<T>(ms: number, work: Promise<T>, fallback: (why: string) => T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    work.catch((err: unknown) => fallback(err instanceof Error ? err.message.split("\n")[0]! : String(err))),
    new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback(`no answer within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

interface CallState {
  phase: string;
  error: { code: string; message: string } | null;
  self: string | null;
  remotes: string[];
  receiveReady: boolean;
  mediaRecovering: boolean;
  trace: string[];
}

/** Read inside the page: its address, the call's snapshot and trace, what is on screen. */
function readPage(page: Page) {
  return page.evaluate(() => {
    const call = (window as unknown as { __surveyCall?: { snapshot(): Record<string, unknown>; recoveryTrace: string[] } }).__surveyCall;
    let state: CallState | null = null;
    if (call) {
      const s = call.snapshot() as unknown as {
        phase: string;
        error: { code: string; message: string } | null;
        self: { role: string; participantId: string } | null;
        remotes: { role: string; participantId: string; videoStream: unknown; audioStream: unknown }[];
        receiveReady: boolean;
        mediaRecovering: boolean;
      };
      state = {
        phase: s.phase,
        error: s.error,
        self: s.self ? `${s.self.role} ${s.self.participantId}` : null,
        remotes: s.remotes.map((r) => `${r.role} ${r.participantId}${r.videoStream ? " video" : ""}${r.audioStream ? " audio" : ""}`),
        receiveReady: s.receiveReady,
        mediaRecovering: s.mediaRecovering,
        trace: call.recoveryTrace.slice(-30),
      };
    }
    const marked = [...document.querySelectorAll("[data-testid]")]
      .filter((e) => /error|problem|ended|alert|notice/.test(e.getAttribute("data-testid")!))
      .map((e) => `${e.getAttribute("data-testid")}${e.getAttribute("data-code") ? `[${e.getAttribute("data-code")}]` : ""}: ${(e.textContent ?? "").trim().slice(0, 160)}`);
    // The page's react-query reads (trpc-react.tsx exposes its cache): a read still fetching long
    // after its last answer is a request that never came back.
    type CachedQuery = { queryKey: unknown; state: { status: string; fetchStatus: string; dataUpdatedAt: number; fetchFailureCount: number } };
    const cache = (window as unknown as { __queryClient?: { getQueryCache(): { getAll(): CachedQuery[] } } }).__queryClient?.getQueryCache();
    const queries = (cache?.getAll() ?? []).map(
      (q) =>
        `${JSON.stringify(q.queryKey).slice(0, 90)} ${q.state.status}/${q.state.fetchStatus}, ` +
        `${q.state.dataUpdatedAt ? `answered ${Math.round((Date.now() - q.state.dataUpdatedAt) / 1000)} s ago` : "never answered"}` +
        `${q.state.fetchFailureCount ? `, ${q.state.fetchFailureCount} failed tries` : ""}`,
    );
    const join = document.querySelector('[data-testid="join-button"]');
    return {
      url: location.href,
      state,
      callPhase: document.querySelector('[data-testid="call"]')?.getAttribute("data-phase") ?? null,
      tiles: [...document.querySelectorAll('[data-testid="remote-video"]')].map((v) => v.getAttribute("data-role")),
      joinButton: join ? ((join as HTMLButtonElement).disabled ? "shown, disabled" : "shown") : null,
      queries,
      marked,
      text: (document.body?.innerText ?? "").replace(/\s+/g, " ").trim().slice(0, 600),
    };
  });
}

/** The call on a page as a test asserts on it: its phase, its error's code and its whole recovery trace (survey-call.ts), "ms-on-the-page step". */
export function callSnapshot(page: Page): Promise<{ phase: string; error: string | null; trace: string[] }> {
  return page.evaluate(() => {
    const call = (window as unknown as { __surveyCall: { snapshot(): { phase: string; error: { code: string } | null }; recoveryTrace: string[] } }).__surveyCall;
    const s = call.snapshot();
    return { phase: s.phase, error: s.error?.code ?? null, trace: [...call.recoveryTrace] };
  });
}

/** One page, in a few lines: where it is, its call, what it shows. */
export async function describePage(page: Page): Promise<string> {
  if (page.isClosed()) return "(closed)";
  const seen = await within<Awaited<ReturnType<typeof readPage>> | { unreadable: string; url: string }>(
    10_000,
    readPage(page),
    (why): { unreadable: string; url: string } => ({ unreadable: why, url: page.url() }),
  );
  const lines: string[] = [];
  if ("unreadable" in seen) {
    lines.push(`  at ${seen.url}; could not read the page: ${seen.unreadable}`);
  } else {
    lines.push(`  at ${seen.url}`);
    lines.push(`  join button: ${seen.joinButton ?? "not shown"}; call on screen: ${seen.callPhase ?? "none"}; remote tiles: [${seen.tiles.join(", ")}]`);
    if (seen.state) {
      const s = seen.state;
      lines.push(`  call: phase ${s.phase}${s.error ? ` (${s.error.code}: ${s.error.message})` : ""}; self ${s.self ?? "unknown"}; remotes [${s.remotes.join("; ")}]; receive transport ${s.receiveReady ? "connected" : "not connected"}${s.mediaRecovering ? "; media recovering" : ""}`);
      if (s.trace.length) lines.push(`  call steps (ms on the page): ${s.trace.join(" | ")}`);
    }
    for (const m of seen.marked) lines.push(`  shows ${m}`);
    if (seen.queries.length) lines.push(`  reads: ${seen.queries.join(" | ")}`);
    lines.push(`  text: ${seen.text || "(none)"}`);
  }
  const logged = consoleLines.get(page) ?? [];
  if (logged.length) lines.push(`  last console lines:\n${logged.map((l) => `    ${l}`).join("\n")}`);
  return lines.join("\n");
}

/** Every open page of these contexts described, with a screenshot of each in a fresh folder (named in the text). */
export async function describePages(contexts: readonly BrowserContext[]): Promise<string> {
  const pages = contexts.flatMap((c) => {
    try {
      return c.pages();
    } catch {
      return [];
    }
  });
  if (!pages.length) return "no pages open";
  const dir = mkdtempSync(path.join(os.tmpdir(), "cs-failed-pages-"));
  const parts: string[] = [];
  for (const [i, page] of pages.entries()) {
    const file = path.join(dir, `page-${i + 1}.png`);
    const shot = page.isClosed() ? "closed" : await within(15_000, page.screenshot({ path: file, timeout: 15_000 }).then(() => file), (why) => `no screenshot: ${why}`);
    parts.push(`page ${i + 1} (${shot}):\n${await describePage(page)}`);
  }
  return parts.join("\n");
}
