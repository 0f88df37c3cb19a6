// bench/network/recovery: how long after a 20 s blackout the call plays again.
//   node --import tsx bench/network/recovery.ts [runs=5] [blackoutSeconds=20]
// Two-party survey with recording on (agent on the machine, the phone's
// Chromium in its own network namespace behind a veth pair,
// tests/support/impaired-call.ts). Each run drops every packet to and from the
// phone (nftables, both directions) for the blackout, restores the link, and
// measures from the restore to the first newly decoded frame of the remote
// video: on the phone (the agent's video) and on the agent's screen (the
// phone's video). Frames are read from the pages' getStats every 50 ms.
import { startImpairedCall, waitForVideoFlowing, waitForVideoStopped, type ImpairedCall } from "../../tests/support/impaired-call";
import { summarize, writeSection } from "../lib/report";

const runs = Number(process.argv[2] ?? 5);
const blackoutS = Number(process.argv[3] ?? 20);

/** The phone's call state every 100 ms after the restore, to see where recovery time goes. */
async function traceUntil(call: ImpairedCall, done: () => boolean) {
  const t0 = Date.now();
  const out: string[] = [];
  let last = "";
  while (!done() && Date.now() - t0 < 60_000) {
    const s = await call.phone.evaluate(() => {
      const c = (window as unknown as { __surveyCall: { snapshot(): { phase: string; mediaRecovering: boolean }; sendTransport: { connectionState: string } | null; recvTransport: { connectionState: string } | null } }).__surveyCall;
      const snap = c.snapshot();
      return `${snap.phase}${snap.mediaRecovering ? "+recovering" : ""} send=${c.sendTransport?.connectionState} recv=${c.recvTransport?.connectionState}`;
    });
    if (s !== last) out.push(`+${Date.now() - t0}ms ${s}`);
    last = s;
    await new Promise((r) => setTimeout(r, 100));
  }
  return out;
}

/** The phone page's clock (performance.now), the time base of its recovery trace. */
function phoneClock(call: ImpairedCall): Promise<number> {
  return call.phone.evaluate(() => performance.now());
}

/** Steps of the phone's recoveryTrace since `from` (phone clock). */
function recoverySteps(call: ImpairedCall, from: number): Promise<string[]> {
  return call.phone.evaluate((since) => {
    const c = (window as unknown as { __surveyCall: { recoveryTrace: string[] } }).__surveyCall;
    return c.recoveryTrace.filter((s) => Number(s.split(" ")[0]) >= since);
  }, from);
}

const call = await startImpairedCall({ tag: "bench", consent: true });
const phoneSamples: number[] = [];
const agentSamples: number[] = [];
try {
  await waitForVideoFlowing(call.phone, "agent");
  await waitForVideoFlowing(call.agent, "policyholder");
  for (let i = 0; i < runs; i++) {
    // Steady call before each blackout.
    await new Promise((r) => setTimeout(r, 8000));
    await call.network.blackout();
    const downAt = Date.now();
    await waitForVideoStopped(call.phone, "agent");
    await new Promise((r) => setTimeout(r, Math.max(0, blackoutS * 1000 - (Date.now() - downAt))));
    const traceFrom = await phoneClock(call);
    await call.network.restore();
    const restoredAt = Date.now();
    const restoredOnPhone = await phoneClock(call);
    let phoneAt = 0;
    let agentAt = 0;
    const trace = traceUntil(call, () => phoneAt > 0 && agentAt > 0);
    await Promise.all([
      waitForVideoFlowing(call.phone, "agent").then((t) => (phoneAt = t)),
      waitForVideoFlowing(call.agent, "policyholder").then((t) => (agentAt = t)),
    ]);
    phoneSamples.push((phoneAt - restoredAt) / 1000);
    agentSamples.push((agentAt - restoredAt) / 1000);
    console.log(`run ${i + 1}: phone plays the agent after ${(phoneAt - restoredAt) / 1000} s, agent plays the phone after ${(agentAt - restoredAt) / 1000} s`);
    for (const line of await trace) console.log(`   ${line}`);
    // The call's own account of the recovery (survey-call.ts recoveryTrace), in ms from the restore.
    for (const step of await recoverySteps(call, traceFrom - blackoutS * 1000)) {
      const [at, ...words] = step.split(" ");
      console.log(`   call ${Number(at) - restoredOnPhone >= 0 ? "+" : ""}${Math.round(Number(at) - restoredOnPhone)}ms ${words.join(" ")}`);
    }
  }
} finally {
  await call.close();
}

const fmt = (x: number) => `${x.toFixed(3)} s`;
const row = (label: string, s: ReturnType<typeof summarize>) => `| ${label} | ${fmt(s.median)} | ${fmt(s.p95)} | ${fmt(s.min)} | ${fmt(s.max)} |`;
const p = summarize(phoneSamples);
const a = summarize(agentSamples);
const met = p.median <= 3 && a.median <= 3;
writeSection(
  "network-recovery",
  "Recovery after a blackout: link restored → remote video playing again",
  `node --import tsx bench/network/recovery.ts ${runs} ${blackoutS}`,
  [
    `Impairment: every packet to and from the phone dropped for ${blackoutS} s (nftables \`drop\` in the phone's network namespace, both directions; tests/support/network-namespace.ts), then the link restored; ${runs} blackouts in one two-party survey with recording on (agent's Chromium on the machine, the phone's Chromium in its own namespace behind a veth pair, production build, fake camera and microphone).`,
    "Measured from the restore to the first newly decoded frame of the remote video (getStats framesDecoded, read every 50 ms).",
    "",
    "| measure | median | p95 | min | max |",
    "| --- | --- | --- | --- | --- |",
    row("phone: agent's video plays again", p),
    row("agent: phone's video plays again", a),
    "",
    `Target: median ≤ 3 s — ${met ? "met" : "NOT met"}.`,
    "What happens: the signalling socket died during the blackout (server heartbeat), the server holds the phone's media session (RESUME_GRACE_MS); the phone probes the server over plain HTTP several times a second and opens a socket once a probe answers (app/_lib/call/signalling-resume.ts), resumes the session and restarts ICE on both transports (app/_lib/call/ice-recovery.ts). No new join.",
  ].join("\n"),
);
console.log(JSON.stringify({ phone: p, agent: a }, null, 2));
