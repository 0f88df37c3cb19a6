// Reads a page's call network monitor (app/_lib/call/network-quality-monitor.ts)
// and the recordings list, for the adaptation tests and benchmarks.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import type { NetworkQualityMonitor } from "../../app/_lib/call/network-quality-monitor";

type Monitor = Pick<NetworkQualityMonitor, "snapshot" | "receivedVideoHeights" | "receivedAudioParameters" | "sentVideoLayers" | "audioConcealment" | "dataUsage">;

/**
 * Calls one of the monitor's reading methods in the page. `read` must be a
 * plain arrow calling one method (`(n) => n.snapshot()`): it is sent to the
 * page as its method name, not as code.
 */
export async function callNetwork<R>(page: Page, read: (n: Monitor) => R | Promise<R>): Promise<Awaited<R>> {
  const method = /\bn\.(\w+)\(/.exec(read.toString())?.[1];
  if (!method) throw new Error(`callNetwork: cannot tell the method from ${read.toString()}`);
  return page.evaluate(async (m) => {
    const call = (window as unknown as { __surveyCall?: { network: Record<string, () => unknown> } }).__surveyCall;
    if (!call) throw new Error("no call on this page");
    return call.network[m]!.call(call.network);
  }, method) as Promise<Awaited<R>>;
}

export function sentLayers(page: Page) {
  return callNetwork(page, (n) => n.sentVideoLayers());
}

/** The layer entries the recorder has written so far for the participant's camera (its continuity log file, while it records). */
export function liveLayerEntries(dataDir: string, surveyId: string, participantId: string): { spatialLayer?: number | null }[] {
  const dir = path.join(dataDir, "media", surveyId);
  const logs = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(`${participantId}-video`) && f.endsWith(".continuity.jsonl")) : [];
  return logs.flatMap((f) =>
    readFileSync(path.join(dir, f), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; spatialLayer?: number | null })
      .filter((e) => e.type === "layers"),
  );
}

/**
 * Waits for a settled call: the phone at full video, at least two layers leaving it, and the recording
 * (its continuity log on disk) on the highest layer that leaves it. Chromium turns the upper layers on as
 * its bandwidth estimate grows, slowly on a loaded machine, where it may never reach the top one (its CPU
 * adaptation turns it off): "the best layer" is the best one actually sent.
 */
export async function settledOnTopLayer(phone: Page, dataDir: string, surveyId: string, phoneId: string, deadlineMs: number) {
  return pollUntil(
    "a settled call: full video, two or more layers sent, the recording on the highest",
    async () => {
      const a = await sentLayers(phone);
      await phone.waitForTimeout(3000);
      const b = await sentLayers(phone);
      const flowing = b.filter((l) => l.bytesSent - (a.find((x) => x.rid === l.rid)?.bytesSent ?? 0) > 3000).map((l) => Number(l.rid.slice(1)));
      const top = flowing.length ? Math.max(...flowing) : -1;
      const recorded = liveLayerEntries(dataDir, surveyId, phoneId).at(-1)?.spatialLayer ?? -1;
      const mode = (await callNetwork(phone, (n) => n.snapshot())).videoMode;
      return { top, flowing, recorded, mode, layers: b };
    },
    (v) => v.mode === "full" && v.flowing.length >= 2 && v.top >= 1 && v.recorded === v.top,
    deadlineMs,
  );
}

/** Polls `read` until `ok` holds; fails naming `what` with the last value after `deadlineMs`. */
export async function pollUntil<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, deadlineMs: number, everyMs = 1000): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`${what}: not within ${deadlineMs} ms (last: ${JSON.stringify(v)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface RecordingRow {
  id: string;
  kind: "audio" | "video";
  role: string;
  status: string;
  storageKey: string;
  startedAt: string;
  endedAt: string;
  continuity: { type: string; spatialLayer?: number | null; temporalLayer?: number | null; at: string; cause?: string }[];
}

/** The survey's recordings as the staff page lists them (tRPC recordings.list, from a logged-in staff page). */
export async function recordingsOf(staff: Page, surveyId: string): Promise<RecordingRow[]> {
  return staff.evaluate(async (id) => {
    const r = await fetch(`/api/trpc/recordings.list?input=${encodeURIComponent(JSON.stringify({ json: { surveyId: id } }))}`);
    return (await r.json()).result.data.json;
  }, surveyId);
}
