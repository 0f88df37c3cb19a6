// Gets a page that was in the call back onto the signalling server after its
// socket died (a blackout, a new address), keeping its media session: a fresh
// socket, then `resume` with the transports it still has. The server keeps the
// session for a while (RESUME_GRACE_MS in server/signalling/peer-session.ts),
// so the person is not joined again and the others never see them leave.
//
// Attempts follow each other closely with a short limit each: a connection
// started into a dead network waits for the OS's SYN retries (1 s, 3 s, 7 s…)
// and a browser opens only one WebSocket to a server at a time, so a stuck
// attempt is dropped and a fresh one started; every fifth attempt gets a long
// limit, so a slow (loaded) server still gets through. The call thus comes back
// within a second or two of the network.
import type { SignalResponses } from "../../../server/signalling/protocol";
import { SignalError, SignallingClient } from "./signalling-client";

/** Limit of each attempt to open a socket, in turn. */
const ATTEMPT_LIMITS_MS = [1200, 1200, 1200, 1200, 8000];
/** An attempt that failed at once (no route, refused) is not repeated sooner than this. */
const MIN_ATTEMPT_SPACING_MS = 500;

export interface ResumeRequest {
  url: string;
  protocols: string[];
  /** Listeners for notifications, set on each candidate socket before it opens. */
  wire: (signal: SignallingClient) => void;
  /** The socket that opened: the call uses it from now on (notifications replayed by `resume` go through it). */
  adopt: (signal: SignallingClient) => void;
  transportIds: string[];
  consumerIds: string[];
  stopped: () => boolean;
  /** Wall-clock time after which the page gives up and reports the call lost. */
  giveUpAt: number;
}

/** Resolves with the open socket and the server's answer to `resume`; rejects when stopped or past giveUpAt. */
export async function resumeSignalling(req: ResumeRequest): Promise<{ signal: SignallingClient; answer: SignalResponses["resume"] }> {
  for (;;) {
    const signal = await openFirst(req);
    req.adopt(signal);
    try {
      const answer = await signal.request("resume", { transportIds: req.transportIds, consumerIds: req.consumerIds });
      return { signal, answer };
    } catch (err) {
      // The new socket died too (the network came and went): start over.
      signal.close();
      if (req.stopped()) throw err;
      if (Date.now() > req.giveUpAt) throw new SignalError("DISCONNECTED", "lost the connection to the survey");
    }
  }
}

async function openFirst(req: ResumeRequest): Promise<SignallingClient> {
  for (let attempt = 0; ; attempt++) {
    if (req.stopped()) throw new SignalError("STOPPED", "the call was left");
    if (Date.now() > req.giveUpAt) throw new SignalError("DISCONNECTED", "lost the connection to the survey");
    const startedAt = Date.now();
    const signal = new SignallingClient();
    req.wire(signal);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const opened = await Promise.race([
      signal.connect(req.url, req.protocols).then(
        () => true,
        () => false,
      ),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ATTEMPT_LIMITS_MS[attempt % ATTEMPT_LIMITS_MS.length]))),
    ]);
    clearTimeout(timer);
    if (opened) return signal;
    signal.close();
    const spent = Date.now() - startedAt;
    if (spent < MIN_ATTEMPT_SPACING_MS) await new Promise((r) => setTimeout(r, MIN_ATTEMPT_SPACING_MS - spent));
  }
}
