// Gets a page that was in the call back onto the signalling server after its
// socket died (a blackout, a new address), keeping its media session: a fresh
// socket, then `resume` with the transports it still has. The server keeps the
// session for a while (RESUME_GRACE_MS in server/signalling/peer-session.ts),
// so the person is not joined again and the others never see them leave.
//
// While the network is dead no socket is attempted: a plain HTTP probe asks,
// several times a second, whether the server answers at all, and the socket is
// opened once it has. A WebSocket started into a dead network waits out the OS's
// SYN retries (1 s, 3 s, 7 s…), and Chromium lets only one WebSocket connect to a
// server at a time, closing it from the page does not free that turn: in the
// recovery benchmark, sockets attempted every 0.7 s through a 20 s blackout held
// the new one back for 4–6 s after the link returned (the probes had answered
// 2.5 s after it). The first attempt is made at once (the socket may have died
// for another reason than the network), and without an answer from the probe a
// blind attempt is made now and then, in case the probe itself cannot get
// through. An attempt made after a probe answered gets a long limit: the server
// may just be slow. The browser's "online" event starts a fresh attempt at once.
import type { SignalResponses } from "../../../server/signalling/protocol";
import { SignalError, SignallingClient } from "./signalling-client";

/** Limit of an attempt while nothing says the server can be reached. */
const SHORT_ATTEMPT_MS = 700;
/** Limit of an attempt once the probe got an answer: the network is there, the server may just be slow. */
const LONG_ATTEMPT_MS = 15_000;
/** An attempt that failed at once (no route, refused) is not repeated sooner than this. */
const MIN_ATTEMPT_SPACING_MS = 300;
/** Without any answer from the probe, a blind attempt this often. */
const BLIND_ATTEMPT_EVERY_MS = 10_000;
/** The probe: any answer of the server's shows the network reaches it. */
const PROBE_PATH = "/api/health";
/**
 * A probe started into a dead network answers only at its next SYN retry, so
 * probes overlap: a new one every PROBE_EVERY_MS while fewer than PROBES_IN_FLIGHT
 * are out, each given up after PROBE_LIMIT_MS (long enough for a loaded server).
 */
const PROBE_LIMIT_MS = 6000;
const PROBE_EVERY_MS = 400;
const PROBES_IN_FLIGHT = 3;
/** A probe's answer counts as "reachable" for this long. */
const PROBE_FRESH_MS = 10_000;

export interface ResumeRequest {
  url: string;
  protocols: string[];
  /** Listeners for notifications, set on each candidate socket before it opens. */
  wire: (signal: SignallingClient) => void;
  /** The socket that opened: the call uses it from now on (notifications replayed by `resume` go through it). */
  adopt: (signal: SignallingClient) => void;
  transportIds: string[];
  consumerIds: string[];
  /** Asked when the socket is open: transports whose ICE the server should restart in its answer (saves a round trip). */
  restartTransportIds?: () => string[];
  stopped: () => boolean;
  /** Wall-clock time after which the page gives up and reports the call lost. */
  giveUpAt: number;
  /** A step, for diagnostics. */
  trace?: (step: string) => void;
  /**
   * Why the server will not take this page back, asked when it answers plain HTTP but refuses
   * the socket (a refused upgrade hides its status from the page): the error code that ends the
   * call for good (a withdrawn or expired link, a closed survey), or null to keep trying.
   */
  whyRefused?: () => Promise<string | null>;
}

/** The server refuses this page for good (see ResumeRequest.whyRefused): `reason` is its error code. */
export class JoinRefused extends SignalError {
  constructor(readonly reason: string) {
    super("JOIN_REFUSED", reason);
  }
}

/** A refused socket is asked about at most this often (each asking is a request to the server). */
const ASK_WHY_EVERY_MS = 2000;

/** Resolves with the open socket and the server's answer to `resume`; rejects when stopped or past giveUpAt. */
export async function resumeSignalling(req: ResumeRequest): Promise<{ signal: SignallingClient; answer: SignalResponses["resume"] }> {
  for (;;) {
    const signal = await openFirst(req);
    req.adopt(signal);
    req.trace?.("socket open");
    try {
      const restartIce = req.restartTransportIds?.() ?? [];
      const answer = await signal.request("resume", { transportIds: req.transportIds, consumerIds: req.consumerIds, ...(restartIce.length ? { restartIce } : {}) });
      return { signal, answer };
    } catch (err) {
      // The new socket died too (the network came and went): start over.
      signal.close();
      if (req.stopped()) throw err;
      if (Date.now() > req.giveUpAt) throw new SignalError("DISCONNECTED", "lost the connection to the survey");
    }
  }
}

/**
 * Asks, over and over, whether the server answers plain HTTP (any status).
 * Probes overlap: one started into a dead network waits out the OS's SYN
 * retries, so a fresh one after the network returns answers sooner.
 */
class ServerProbe {
  private inFlight = 0;
  private lastStart = 0;
  private answeredAt = 0;
  private readonly controllers = new Set<AbortController>();
  /** Called when a probe answers. */
  onAnswer: (() => void) | null = null;

  constructor(private readonly url: string) {}

  /** Starts a probe if it is time; true while the server answered recently. */
  tick(): boolean {
    if (this.inFlight < PROBES_IN_FLIGHT && Date.now() - this.lastStart >= PROBE_EVERY_MS) this.start();
    return Date.now() - this.answeredAt < PROBE_FRESH_MS;
  }

  /** A failed attempt although the probe said yes: ask afresh before trusting it again. */
  forget() {
    this.answeredAt = 0;
  }

  stop() {
    for (const c of this.controllers) c.abort();
  }

  private start() {
    this.inFlight += 1;
    this.lastStart = Date.now();
    const controller = new AbortController();
    this.controllers.add(controller);
    const timer = setTimeout(() => controller.abort(), PROBE_LIMIT_MS);
    fetch(this.url, { cache: "no-store", signal: controller.signal }).then(
      () => {
        this.answeredAt = Date.now();
        this.onAnswer?.();
      },
      () => undefined,
    ).finally(() => {
      clearTimeout(timer);
      this.controllers.delete(controller);
      this.inFlight -= 1;
    });
  }
}

async function openFirst(req: ResumeRequest): Promise<SignallingClient> {
  const probe = new ServerProbe(new URL(PROBE_PATH, req.url.replace(/^ws/, "http")).toString());
  // "online": the device has a network again; end the current attempt's wait and try afresh.
  let online: (() => void) | null = null;
  const onOnline = () => online?.();
  if (typeof window !== "undefined") window.addEventListener("online", onOnline);
  let lastBlindAttempt = 0;
  let lastAsked = 0;
  try {
    for (;;) {
      if (req.stopped()) throw new SignalError("STOPPED", "the call was left");
      if (Date.now() > req.giveUpAt) throw new SignalError("DISCONNECTED", "lost the connection to the survey");
      const reachable = probe.tick();
      if (!reachable && Date.now() - lastBlindAttempt < BLIND_ATTEMPT_EVERY_MS) {
        // Wait for the probe (or "online", or the next probe's turn) instead of a socket into the void.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, PROBE_EVERY_MS);
          function done() {
            clearTimeout(timer);
            online = null;
            probe.onAnswer = null;
            resolve();
          }
          online = () => {
            lastBlindAttempt = 0;
            done();
          };
          probe.onAnswer = () => {
            req.trace?.("probe answered");
            done();
          };
        });
        continue;
      }
      if (!reachable) lastBlindAttempt = Date.now();
      const startedAt = Date.now();
      const signal = new SignallingClient();
      req.wire(signal);
      let timer: ReturnType<typeof setTimeout> | undefined;
      req.trace?.(`socket attempt (${reachable ? "long" : "short"} limit)`);
      let refused = false;
      const opened = await Promise.race([
        signal.connect(req.url, req.protocols).then(
          () => true,
          (err: unknown) => {
            refused = true;
            req.trace?.(`socket attempt failed after ${Date.now() - startedAt} ms (${(err as { code?: string })?.code ?? "error"})`);
            return false;
          },
        ),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), reachable ? LONG_ATTEMPT_MS : SHORT_ATTEMPT_MS);
          online = () => resolve(false);
          // The server answered meanwhile: this attempt may just be slow, give it the long limit.
          probe.onAnswer = () => {
            req.trace?.("probe answered");
            clearTimeout(timer);
            timer = setTimeout(() => resolve(false), Math.max(0, LONG_ATTEMPT_MS - (Date.now() - startedAt)));
          };
        }),
      ]);
      clearTimeout(timer);
      online = null;
      probe.onAnswer = null;
      if (opened) return signal;
      signal.close();
      // The server answers HTTP but turned the socket away: a withdrawn link, not the network.
      if (refused && reachable && req.whyRefused && Date.now() - lastAsked >= ASK_WHY_EVERY_MS) {
        lastAsked = Date.now();
        const reason = await req.whyRefused().catch(() => null);
        if (reason) throw new JoinRefused(reason);
      }
      // A long attempt that failed all the same: the network may have gone again; the next probe tells.
      if (reachable) probe.forget();
      const spent = Date.now() - startedAt;
      if (spent < MIN_ATTEMPT_SPACING_MS) await new Promise((r) => setTimeout(r, MIN_ATTEMPT_SPACING_MS - spent));
    }
  } finally {
    probe.stop();
    if (typeof window !== "undefined") window.removeEventListener("online", onOnline);
  }
}
