// Every tRPC procedure (enumerated from the router), every HTTP route and
// WebSocket upgrade (from the registry the server dispatches from) and every
// signalling method (from the protocol) against every identity, on the real
// running product over HTTP and WebSocket, on both databases. The expected
// outcomes below are written out as a claims insurer's rules, independently of
// server/domain/survey-access.ts; a procedure, route or method without an entry
// here fails the test, and so does an entry for something no longer served.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import superjson from "superjson";
import WebSocket from "ws";
import { appRouter } from "../../server/api/root";
import { servedRoutes } from "../../server/http/routes";
import { requestSchemas, type SignalMethod } from "../../server/signalling/protocol";
import { audiences } from "../../server/domain/survey-access";
import { demoAccounts } from "../../server/db/seed-demo";
import { claimRequest } from "../support/claim-fixtures";
import { databaseKinds, freshDatabase, type TestDatabase } from "../support/databases";
import { createSurveyViaApi, startProductProcess, type RunningProduct } from "../support/product-process";
import { photoCookie } from "../support/photo-cookie";
import { codeSentTo } from "../queue/queue-fixtures";
import { signallingProtocols } from "../../server/signalling/ws-credentials";
import { liveQualityRuntimeVersion } from "../../server/http/live-quality-routes";

const identities = [
  "agentOwner",
  "agentUnassigned",
  "agentOther",
  "adjusterStaff",
  "auditor",
  "admin",
  "policyholderLink",
  "adjusterLink",
  "otherSurveyLink",
  "anonymous",
] as const;
type Identity = (typeof identities)[number];

const STAFF_SIDE: Identity[] = ["agentOwner", "agentUnassigned", "admin"];
const AGENTS_AND_ADMIN: Identity[] = ["agentOwner", "agentUnassigned", "agentOther", "admin"];
const STAFF: Identity[] = ["agentOwner", "agentUnassigned", "agentOther", "adjusterStaff", "auditor", "admin"];
const LINKS: Identity[] = ["policyholderLink", "adjusterLink", "otherSurveyLink"];
const ALL: Identity[] = [...identities];

/** A survey an identity acts on, with what the calls need. */
interface Target {
  surveyId: string;
  policyholderToken: string;
  adjusterToken: string;
  captureId: string;
  recordingId: string;
}

interface Spec<I> {
  /** Who gets through (any answer but 401/403; never a 5xx). */
  allow: Identity[];
  /** Who gets through with an AuditLog row written (a subset of allow). */
  audit?: Identity[];
  /** The refusal for those not allowed, where it is not 401 (anonymous) / 403 (others). */
  refuse?: Partial<Record<Identity, 401 | 403>>;
  /** The call changes the survey (ends it, replaces a link): each allowed identity gets a fresh one. */
  fresh?: boolean;
  /** The call ends the caller's session: a session of its own. */
  freshSession?: boolean;
  input: I;
}

/** Actions on no single survey need a staff session: a link alone is "who are you?" (401). */
const LINKS_UNAUTHENTICATED: Spec<unknown>["refuse"] = { policyholderLink: 401, adjusterLink: 401, otherSurveyLink: 401 };
/** The join page's procedures need a link: a staff session alone is "which link?" (401). */
const STAFF_UNAUTHENTICATED: Spec<unknown>["refuse"] = Object.fromEntries(STAFF.map((i) => [i, 401]));

/** The queue the driver's procedures use, and one entry's token in it (made per database in before()). */
const MATRIX_QUEUE = "matrix-queue";
let queueEntryToken = "";

type ProcInput = (t: Target) => unknown;
const survey: ProcInput = (t) => ({ surveyId: t.surveyId });

const procedures: Record<string, Spec<ProcInput>> = {
  "auth.login": { allow: ALL, input: () => ({ email: "agent2@example.com", password: "agent-demo-2026" }) },
  "auth.logout": { allow: ALL, freshSession: true, input: () => undefined },
  "auth.me": { allow: STAFF, refuse: LINKS_UNAUTHENTICATED, input: () => undefined },
  "surveys.create": { allow: AGENTS_AND_ADMIN, refuse: LINKS_UNAUTHENTICATED, input: () => claimRequest({ plate: "沪M·00001" }) },
  "surveys.list": { allow: AGENTS_AND_ADMIN, refuse: LINKS_UNAUTHENTICATED, input: () => undefined },
  "surveys.get": { allow: STAFF_SIDE, input: survey },
  "surveys.timeline": { allow: STAFF_SIDE, input: survey },
  "surveys.reissueInvite": { allow: STAFF_SIDE, fresh: true, input: (t) => ({ surveyId: t.surveyId, role: "adjuster" }) },
  "surveys.revokeInvite": { allow: STAFF_SIDE, input: (t) => ({ surveyId: t.surveyId, inviteId: "no-such-invite" }) },
  // Without a signed statement, ending needs a reason (server/domain/statement-end-rule.ts).
  "surveys.end": { allow: STAFF_SIDE, fresh: true, input: (t) => ({ surveyId: t.surveyId, withoutStatement: { reason: "driver_left" } }) },
  "join.resolve": { allow: ALL, input: (t) => ({ token: t.policyholderToken }) },
  "join.chatHistory": { allow: LINKS, refuse: STAFF_UNAUTHENTICATED, input: () => undefined },
  "join.captures": { allow: LINKS, refuse: STAFF_UNAUTHENTICATED, input: () => undefined },
  "join.checklist": { allow: LINKS, refuse: STAFF_UNAUTHENTICATED, input: () => undefined },
  "chat.history": { allow: STAFF_SIDE, input: survey },
  "outbox.list": { allow: AGENTS_AND_ADMIN, refuse: LINKS_UNAUTHENTICATED, input: () => undefined },
  "captures.checklist": { allow: STAFF_SIDE, input: survey },
  "captures.list": { allow: STAFF_SIDE, input: survey },
  "captures.override": { allow: STAFF_SIDE, input: (t) => ({ surveyId: t.surveyId, captureId: t.captureId, reason: "the plate is readable" }) },
  "recordings.list": { allow: [...STAFF_SIDE, "auditor"], audit: ["auditor"], input: survey },
  "recordings.timeline": { allow: [...STAFF_SIDE, "auditor"], audit: ["auditor"], input: survey },
  "checklists.get": { allow: AGENTS_AND_ADMIN, refuse: LINKS_UNAUTHENTICATED, input: () => ({ claimType: "motor_collision" }) },
  // An empty list is refused by validation (400) after the access check.
  "checklists.save": { allow: ["admin"], refuse: LINKS_UNAUTHENTICATED, input: () => ({ claimType: "motor_collision", items: [] }) },
  "evidence.status": { allow: STAFF_SIDE, input: survey },
  "evidence.completeness": { allow: STAFF_SIDE, input: survey },
  // The survey is open, so the retry is refused as a conflict (409) after the access check.
  "evidence.retry": { allow: STAFF_SIDE, input: survey },
  "evidence.pendingUploads": { allow: STAFF_SIDE, input: survey },
  "evidence.retryUploads": { allow: STAFF_SIDE, input: survey },
  "audit.search": { allow: ["auditor", "admin"], audit: ["auditor", "admin"], refuse: LINKS_UNAUTHENTICATED, input: () => ({ plate: "沪A" }) },
  "audit.open": { allow: ["auditor", "admin"], audit: ["auditor", "admin"], input: survey },
  "audit.verify": { allow: ["auditor", "admin"], audit: ["auditor", "admin"], input: survey },
  "audit.packageStatus": { allow: ["auditor", "admin"], input: survey },
  "audit.retryEvidence": { allow: ["auditor", "admin"], audit: ["auditor", "admin"], input: survey },
  "audit.certificate": { allow: ["auditor", "admin"], audit: ["auditor", "admin"], input: survey },
  "audit.setLegalHold": { allow: ["auditor", "admin"], audit: ["auditor", "admin"], input: (t) => ({ surveyId: t.surveyId, legalHold: true, reason: "matrix" }) },
  "audit.setDisputeClosed": { allow: ["auditor", "admin"], audit: ["auditor", "admin"], input: (t) => ({ surveyId: t.surveyId, disputeClosedOn: "2030-01-01" }) },
  "composite.status": { allow: [...STAFF_SIDE, "auditor"], input: survey },
  "composite.start": { allow: [...STAFF_SIDE, "auditor"], audit: ["auditor"], input: survey },
  // The driver's side of the video-report queue: the start form is open to anyone; the
  // waiting screen's calls are opened by the entry's own token, whoever else the caller is.
  // (Leave and call-me-back on the entry already left are a conflict, 409, after the check.)
  // (Sending codes to one number is rate-limited, 429, and no code was sent for the entry's: 410; both after the check.)
  "queue.sendCode": { allow: ALL, input: () => ({ policyholderMobile: "13700137000", language: "en" }) },
  "queue.enter": { allow: ALL, input: () => ({ queue: MATRIX_QUEUE, plate: "沪Q·00001", claimType: "motor_collision", policyholderMobile: "13800138000", language: "en", mobileCode: "000000" }) },
  "queue.status": { allow: ALL, input: () => ({ entryToken: queueEntryToken }) },
  "queue.leave": { allow: ALL, input: () => ({ entryToken: queueEntryToken }) },
  "queue.callMeBack": { allow: ALL, input: () => ({ entryToken: queueEntryToken }) },
  // The agent's side: agents (and admins) with a session; an offer that does not exist is a conflict (409).
  "queue.myOffer": { allow: AGENTS_AND_ADMIN, refuse: LINKS_UNAUTHENTICATED, input: () => undefined },
  "queue.setMyState": { allow: AGENTS_AND_ADMIN, refuse: LINKS_UNAUTHENTICATED, input: () => ({ state: "away" }) },
  "queue.accept": { allow: AGENTS_AND_ADMIN, refuse: LINKS_UNAUTHENTICATED, input: () => ({ offerId: "no-such-offer" }) },
  "queue.decline": { allow: AGENTS_AND_ADMIN, refuse: LINKS_UNAUTHENTICATED, input: () => ({ offerId: "no-such-offer" }) },
  // Passing a survey on: its agent or an admin (survey.transfer). The matrix's agents are not ready in any queue,
  // so a transfer to one is refused (409) and an unknown queue is a 400, both after the access check; nothing is pending to withdraw (409).
  "queue.transferTargets": { allow: ["agentOwner", "admin"], input: survey },
  "queue.transfer": { allow: ["agentOwner", "admin"], input: (t) => ({ surveyId: t.surveyId, toQueueId: "no-such-queue" }) },
  "queue.withdrawTransfer": { allow: ["agentOwner", "admin"], input: survey },
  // The caller's own transfer's outcome (also after the hand-over): any agent or admin; it tells nothing of the survey but that.
  "queue.transferStatus": { allow: AGENTS_AND_ADMIN, refuse: LINKS_UNAUTHENTICATED, input: survey },
  // The supervisor's wallboard, its export and the routing rules: admins only (a queue that does not exist is 404 after the check).
  "queueAdmin.wallboard": { allow: ["admin"], refuse: LINKS_UNAUTHENTICATED, input: () => ({ timeZone: "Asia/Shanghai" }) },
  "queueAdmin.exportEvents": { allow: ["admin"], refuse: LINKS_UNAUTHENTICATED, input: () => ({ timeZone: "Asia/Shanghai" }) },
  "queueAdmin.queues": { allow: ["admin"], refuse: LINKS_UNAUTHENTICATED, input: () => undefined },
  "queueAdmin.saveRules": { allow: ["admin"], refuse: LINKS_UNAUTHENTICATED, input: () => ({ queueId: "no-such-queue", rules: {} }) },
  // The driver's statement: the agent asks and confirms; the driver's link signs (its own survey's: the
  // other survey's driver link too); the adjuster's link confirms. Not asked or not signed is a conflict (409) after the check.
  "statement.status": { allow: STAFF_SIDE, input: (t) => ({ surveyId: t.surveyId, locale: "en" }) },
  "statement.request": { allow: STAFF_SIDE, input: survey },
  "statement.confirm": { allow: STAFF_SIDE, input: (t) => ({ surveyId: t.surveyId, statementSha256: "0".repeat(64) }) },
  "statement.mine": { allow: LINKS, refuse: STAFF_UNAUTHENTICATED, input: () => ({ locale: "en" }) },
  "statement.sign": {
    allow: ["policyholderLink", "otherSurveyLink"],
    refuse: STAFF_UNAUTHENTICATED,
    input: () => ({ locale: "en", statementSha256: "0".repeat(64), imagePngBase64: "iVBORw0KGgo=", width: 300, height: 150, strokes: [{ pointerType: "touch", points: [{ x: 1, y: 1, t: 0 }] }] }),
  },
  "statement.confirmAsAdjuster": { allow: ["adjusterLink"], refuse: STAFF_UNAUTHENTICATED, input: () => ({ statementSha256: "0".repeat(64) }) },
  // The identity step: staff of the survey only (the phone takes the photos through guided capture).
  // Attesting before the step is started or before the photos are in is a conflict (409) after the check.
  "identity.status": { allow: STAFF_SIDE, input: survey },
  "identity.start": { allow: STAFF_SIDE, input: survey },
  "identity.attest": { allow: STAFF_SIDE, input: (t) => ({ surveyId: t.surveyId, decision: "confirmed", reason: "seen" }) },
};

/** How a route is called: the request for a target, with the caller's headers added by the test. */
type RouteCall = (t: Target, base: string) => { path: string; init?: RequestInit; skipInviteHeader?: boolean };
const SESSION_ONLY: Spec<unknown>["refuse"] = { policyholderLink: 401, adjusterLink: 401, otherSurveyLink: 401 };

const routes: Record<string, Spec<RouteCall> | "the tRPC procedures above"> = {
  "GET /api/trpc/:procedure": "the tRPC procedures above",
  "POST /api/trpc/:procedure": "the tRPC procedures above",
  // The claims system's key only: no session or link opens the REST API.
  "POST /api/v1/surveys": { allow: [], refuse: Object.fromEntries(ALL.map((i) => [i, 401])), input: () => ({ path: "/api/v1/surveys", init: { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" } }) },
  "GET /api/v1/surveys/:id": { allow: [], refuse: Object.fromEntries(ALL.map((i) => [i, 401])), input: (t) => ({ path: `/api/v1/surveys/${t.surveyId}` }) },
  "POST /api/v1/queue-entries": { allow: [], refuse: Object.fromEntries(ALL.map((i) => [i, 401])), input: () => ({ path: "/api/v1/queue-entries", init: { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" } }) },
  "GET /api/v1/queue-entries/:id": { allow: [], refuse: Object.fromEntries(ALL.map((i) => [i, 401])), input: () => ({ path: "/api/v1/queue-entries/some-entry" }) },
  // Without an Idempotency-Key the upload is refused by validation (400), after the access check.
  "POST /api/captures": { allow: LINKS, input: () => ({ path: "/api/captures", init: { method: "POST", headers: { "Content-Type": "image/jpeg" }, body: new Uint8Array(16) } }) },
  "POST /api/captures/provisional": { allow: LINKS, input: () => ({ path: "/api/captures/provisional", init: { method: "POST", headers: { "Content-Type": "image/jpeg" }, body: new Uint8Array(16) } }) },
  // The original's resumable upload (tus): without a declaration 400, an upload of none or of another survey 404, after the access check.
  "POST /api/captures/uploads": { allow: LINKS, input: () => ({ path: "/api/captures/uploads", init: { method: "POST", headers: { "Tus-Resumable": "1.0.0", "Upload-Length": "16" } } }) },
  "HEAD /api/captures/uploads/:id": { allow: LINKS, input: () => ({ path: "/api/captures/uploads/0123456789abcdef", init: { method: "HEAD", headers: { "Tus-Resumable": "1.0.0" } } }) },
  "PATCH /api/captures/uploads/:id": {
    allow: LINKS,
    input: () => ({ path: "/api/captures/uploads/0123456789abcdef", init: { method: "PATCH", headers: { "Tus-Resumable": "1.0.0", "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream" }, body: new Uint8Array(16) } }),
  },
  "POST /api/captures/uploads/:id/commit": { allow: LINKS, input: () => ({ path: "/api/captures/uploads/0123456789abcdef/commit", init: { method: "POST" } }) },
  "POST /api/captures/viewer": { allow: LINKS, refuse: STAFF_UNAUTHENTICATED, input: () => ({ path: "/api/captures/viewer", init: { method: "POST" } }) },
  "GET /api/captures/:id/thumb": { allow: [...STAFF_SIDE, "auditor", "policyholderLink", "adjusterLink"], audit: ["auditor"], input: (t) => ({ path: `/api/captures/${t.captureId}/thumb` }) },
  // Whatever the byte range, an auditor's playback is logged.
  "GET /api/recordings/:id/media": { allow: [...STAFF_SIDE, "auditor"], audit: ["auditor"], refuse: SESSION_ONLY, input: (t) => ({ path: `/api/recordings/${t.recordingId}/media`, init: { headers: { Range: "bytes=1-" } } }) },
  "GET /api/evidence/:surveyId/package.zip": { allow: ["auditor", "admin"], refuse: SESSION_ONLY, input: (t) => ({ path: `/api/evidence/${t.surveyId}/package.zip` }) },
  "GET /api/health": { allow: ALL, input: () => ({ path: "/api/health" }) },
  // The live hints' model, thresholds and runtime: public parts of the product, the same for everyone.
  "GET /api/live-quality/model": { allow: ALL, input: () => ({ path: "/api/live-quality/model" }) },
  "GET /api/live-quality/manifest": { allow: ALL, input: () => ({ path: "/api/live-quality/manifest" }) },
  "GET /api/live-quality/runtime/:version/:file": { allow: ALL, input: () => ({ path: `/api/live-quality/runtime/${liveQualityRuntimeVersion()}/ort-wasm-simd-threaded.mjs` }) },
  // Joining an unassigned survey makes it the agent's: a fresh one each time.
  "UPGRADE /ws/survey": { allow: [...STAFF_SIDE, ...LINKS], fresh: true, input: () => ({ path: "/ws/survey" }) },
};

const MEDIA: Identity[] = ["agentOwner", "agentUnassigned", "admin", "policyholderLink", "adjusterLink"];
/** Schema-valid data for each method, so a refusal can only come from the access check. */
const methods: Record<SignalMethod, Spec<Record<string, unknown>>> = {
  getRouterRtpCapabilities: { allow: MEDIA, input: {} },
  createTransport: { allow: MEDIA, input: { direction: "send" } },
  warmUpReceiving: { allow: MEDIA, input: {} },
  connectTransport: { allow: MEDIA, input: { transportId: "no-such-transport", dtlsParameters: { fingerprints: [{ algorithm: "sha-256", value: "00" }] } } },
  join: { allow: MEDIA, input: { rtpCapabilities: { codecs: [] } } },
  produce: { allow: MEDIA, input: { transportId: "no-such-transport", kind: "audio", rtpParameters: { codecs: [{}] }, source: "mic" } },
  pauseProducer: { allow: MEDIA, input: { producerId: "no-such-producer" } },
  resumeProducer: { allow: MEDIA, input: { producerId: "no-such-producer" } },
  closeProducer: { allow: MEDIA, input: { producerId: "no-such-producer" } },
  resumeConsumer: { allow: MEDIA, input: { consumerId: "no-such-consumer" } },
  restartIce: { allow: MEDIA, input: { transportId: "no-such-transport" } },
  chat: { allow: MEDIA, input: { text: "matrix" } },
  recordingConsent: { allow: ["policyholderLink"], input: { accepted: false, noticeVersion: "v1" } },
  pushGuide: { allow: ["agentOwner", "agentUnassigned", "admin", "adjusterLink"], input: { itemKey: "licence_plate" } },
  requestCapture: { allow: ["agentOwner", "agentUnassigned", "admin", "adjusterLink"], input: { itemKey: "licence_plate" } },
  resume: { allow: MEDIA, input: { transportIds: ["no-such-transport"], consumerIds: [] } },
  setConsumerTileSize: { allow: MEDIA, input: { consumerId: "no-such-consumer", width: 320, height: 180 } },
  reportLinkQuality: { allow: MEDIA, input: { level: "good", videoMode: "full", rttMs: 20, lossPct: 0, kbps: 900 } },
  // Last on each connection: it ends the survey.
  endSurvey: { allow: ["agentOwner", "agentUnassigned", "admin"], input: { withoutStatement: { reason: "driver_left" } } },
};

/**
 * fetch, retried once when the pooled keep-alive connection was closed by the
 * server just as it was reused (undici's "fetch failed", before any answer):
 * a transport hiccup of the test client, not an outcome of the check.
 */
async function send(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    return fetch(url, init);
  }
}

const expected = (spec: Spec<unknown>, who: Identity): "through" | 401 | 403 =>
  spec.allow.includes(who) ? "through" : (spec.refuse?.[who] ?? (who === "anonymous" ? 401 : 403));

const photo = readFileSync(path.resolve(import.meta.dirname, "../fixtures/photos/city-sharp.jpg"));
const account = (email: string) => demoAccounts.find((a) => a.email === email)!;
const staffEmail: Partial<Record<Identity, string>> = {
  agentOwner: "agent1@example.com",
  agentUnassigned: "agent2@example.com",
  agentOther: "agent2@example.com",
  adjusterStaff: "adjuster@example.com",
  auditor: "auditor@example.com",
  admin: "admin@example.com",
};

test("the matrix names exactly what the product serves", () => {
  assert.deepEqual([...identities], [...audiences], "the identities are the access module's audiences");
  const served = Object.keys((appRouter as unknown as { _def: { procedures: Record<string, unknown> } })._def.procedures).sort();
  assert.deepEqual(Object.keys(procedures).sort(), served, "every tRPC procedure has an entry, and every entry is a procedure");
  assert.deepEqual(Object.keys(routes).sort(), servedRoutes().sort(), "every HTTP route and upgrade has an entry, and every entry is served");
  assert.deepEqual(Object.keys(methods).sort(), Object.keys(requestSchemas).sort(), "every signalling method has an entry");
  for (const [name, spec] of [...Object.entries(procedures), ...Object.entries(routes), ...Object.entries(methods)]) {
    if (typeof spec === "string") continue;
    for (const who of spec.audit ?? []) assert.ok(spec.allow.includes(who), `${name}: ${who} is audited, so allowed`);
  }
});

for (const kind of databaseKinds) {
  describe(`access matrix on ${kind}, against the running product`, () => {
    let t: TestDatabase;
    let product: RunningProduct;
    const sessions = new Map<string, string>();
    let owned: Target;
    let unassigned: Target;
    let other: Target;

    async function login(email: string): Promise<string> {
      const r = await send(`${product.url}/api/trpc/auth.login`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: product.url },
        body: JSON.stringify(superjson.serialize({ email, password: account(email).password })),
      });
      assert.equal(r.status, 200, `login ${email}`);
      return r.headers.get("set-cookie")!.split(";")[0]!;
    }

    async function target(agentEmail: string | null): Promise<Target> {
      const s = await createSurveyViaApi(product, {}, agentEmail ? { agentEmail } : {});
      const up = await send(`${product.url}/api/captures`, {
        method: "POST",
        headers: { "Content-Type": "image/jpeg", "X-Invite-Token": s.policyholderToken, "Idempotency-Key": `matrix-${s.surveyId}`, "X-Capture-Item": "licence_plate", Origin: product.url },
        body: new Uint8Array(photo),
      });
      assert.equal(up.status, 201, await up.clone().text());
      const captureId = ((await up.json()) as { capture: { id: string } }).capture.id;
      // A stored track, as the recorder leaves it, to play back.
      const storageKey = `${s.surveyId}/recordings/matrix-audio.webm`;
      mkdirSync(path.dirname(path.join(product.dataDir, "media", storageKey)), { recursive: true });
      writeFileSync(path.join(product.dataDir, "media", storageKey), Buffer.alloc(4096, 7));
      const holder = await t.db.participant.findFirstOrThrow({ where: { surveyId: s.surveyId, role: "policyholder" } });
      const rec = await t.db.recording.create({
        data: { surveyId: s.surveyId, participantId: holder.id, role: "policyholder", kind: "audio", codec: "opus", storageKey, startedAt: new Date(), status: "finalised", byteSize: 4096 },
      });
      return { ...s, captureId, recordingId: rec.id };
    }

    /** The survey an identity acts on; a fresh one when the call changes it. */
    async function targetFor(who: Identity, fresh: boolean): Promise<Target> {
      if (!fresh) return who === "agentUnassigned" ? unassigned : owned;
      return target(who === "agentUnassigned" ? null : "agent1@example.com");
    }

    /** The caller's credentials, as a browser (or phone) sends them. */
    async function headersFor(who: Identity, tg: Target, freshSession: boolean): Promise<Record<string, string>> {
      const h: Record<string, string> = { Origin: product.url };
      const email = staffEmail[who];
      if (email) h.Cookie = freshSession ? await login(email) : sessions.get(email)!;
      if (who === "policyholderLink") h["X-Invite-Token"] = tg.policyholderToken;
      if (who === "adjusterLink") h["X-Invite-Token"] = tg.adjusterToken;
      if (who === "otherSurveyLink") h["X-Invite-Token"] = other.policyholderToken;
      return h;
    }

    async function auditCount(who: Identity): Promise<number | null> {
      const email = staffEmail[who];
      if (!email) return null;
      const u = await t.db.user.findUniqueOrThrow({ where: { email } });
      return t.db.auditLog.count({ where: { userId: u.id } });
    }

    async function check(name: string, spec: Spec<unknown>, who: Identity, status: number, auditBefore: number | null) {
      const want = expected(spec, who);
      const label = `${name} as ${who}: HTTP ${status}`;
      assert.ok(status < 500, `${label}: never a server error`);
      if (want === "through") assert.ok(status !== 401 && status !== 403, `${label}: expected to get through`);
      else assert.equal(status, want, `${label}: expected ${want}`);
      if (auditBefore === null) return;
      const added = (await auditCount(who))! - auditBefore;
      if (want === "through" && status < 300 && spec.audit?.includes(who)) assert.ok(added >= 1, `${label}: an AuditLog row is written`);
      if (!spec.audit?.includes(who)) assert.equal(added, 0, `${label}: not audited`);
    }

    before(async () => {
      t = await freshDatabase(kind);
      product = await startProductProcess({ pages: "none", env: { DATABASE_URL: t.url } });
      for (const email of new Set(Object.values(staffEmail))) sessions.set(email, await login(email));
      // The queue's agents (as the admin sets them up) and one driver waiting in it.
      const queue = await t.db.queue.create({ data: { name: MATRIX_QUEUE } });
      for (const email of ["agent1@example.com", "agent2@example.com", "admin@example.com"]) {
        const u = await t.db.user.findUniqueOrThrow({ where: { email } });
        await t.db.queueAgent.create({ data: { userId: u.id, queueIds: JSON.stringify([queue.id]), state: "away", stateSince: new Date() } });
      }
      // The driver confirms the number with the code from the SMS, then reports.
      const codeSent = await send(`${product.url}/api/trpc/queue.sendCode`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: product.url },
        body: JSON.stringify(superjson.serialize({ policyholderMobile: "13900139000", language: "zh-CN" })),
      });
      assert.equal(codeSent.status, 200, await codeSent.clone().text());
      const entered = await send(`${product.url}/api/trpc/queue.enter`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: product.url },
        body: JSON.stringify(superjson.serialize({ queue: MATRIX_QUEUE, policyNumber: "PD-MATRIX-1", claimType: "motor_collision", policyholderMobile: "13900139000", language: "zh-CN", mobileCode: await codeSentTo(t.db, "13900139000") })),
      });
      assert.equal(entered.status, 200, await entered.clone().text());
      queueEntryToken = (superjson.deserialize((await entered.json()).result.data) as { entryToken: string }).entryToken;
      owned = await target("agent1@example.com");
      unassigned = await target(null);
      other = await target("agent1@example.com");
    });
    after(async () => {
      await product?.stop();
      await t?.drop();
    });

    test("every tRPC procedure against every identity", async () => {
      const types = (appRouter as unknown as { _def: { procedures: Record<string, { _def: { type: string } }> } })._def.procedures;
      for (const [name, spec] of Object.entries(procedures)) {
        for (const who of identities) {
          const fresh = Boolean(spec.fresh) && expected(spec, who) === "through";
          const tg = await targetFor(who, fresh);
          const headers = await headersFor(who, tg, Boolean(spec.freshSession));
          const input = spec.input(tg);
          const before = await auditCount(who);
          let r: Response;
          if (types[name]!._def.type === "query") {
            const q = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`;
            r = await send(`${product.url}/api/trpc/${name}${q}`, { headers });
          } else {
            r = await send(`${product.url}/api/trpc/${name}`, { method: "POST", headers: { ...headers, "Content-Type": "application/json" }, body: JSON.stringify(superjson.serialize(input)) });
          }
          await r.arrayBuffer();
          await check(name, spec, who, r.status, before);
        }
      }
    });

    test("every HTTP route against every identity", async () => {
      for (const [name, spec] of Object.entries(routes)) {
        if (typeof spec === "string" || name.startsWith("UPGRADE ")) continue;
        for (const who of identities) {
          const tg = await targetFor(who, false);
          const call = spec.input(tg, product.url);
          const headers = { ...(await headersFor(who, tg, false)), ...((call.init?.headers as Record<string, string>) ?? {}) };
          const before = await auditCount(who);
          const r = await send(`${product.url}${call.path}`, { ...call.init, headers });
          await r.arrayBuffer();
          await check(name, spec, who, r.status, before);
        }
      }
    });

    /** Opens the signalling socket as `who` on `tg`; resolves the socket or the refusal's HTTP status. */
    async function connect(who: Identity, tg: Target): Promise<WebSocket | number> {
      const headers = await headersFor(who, tg, false);
      const token = headers["X-Invite-Token"];
      // A phone offers its link as a subprotocol; staff name the survey.
      const query = token ? "" : `?surveyId=${tg.surveyId}`;
      return new Promise((resolve, reject) => {
        const ws = new WebSocket(`${product.url.replace("http", "ws")}/ws/survey${query}`, signallingProtocols(token), { headers: { Origin: headers.Origin!, ...(headers.Cookie ? { Cookie: headers.Cookie } : {}) } });
        ws.once("open", () => resolve(ws));
        ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
        ws.once("error", reject);
      });
    }

    /** One request's reply; ending the survey closes the socket (4000) before any reply can come. */
    function request(ws: WebSocket, id: number, method: string, data: unknown): Promise<{ ok: boolean; error?: { code: string }; closed?: number }> {
      return new Promise((resolve) => {
        const onMessage = (raw: WebSocket.RawData) => {
          const msg = JSON.parse(raw.toString());
          if (msg.id !== id) return;
          ws.off("message", onMessage);
          ws.off("close", onClose);
          resolve(msg);
        };
        const onClose = (code: number) => {
          ws.off("message", onMessage);
          resolve({ ok: code === 4000, closed: code });
        };
        ws.on("message", onMessage);
        ws.once("close", onClose);
        ws.send(JSON.stringify({ id, method, data }));
      });
    }

    test("the signalling upgrade and every signalling method against every identity", async () => {
      const upgrade = routes["UPGRADE /ws/survey"] as Spec<RouteCall>;
      const order = (Object.keys(methods) as SignalMethod[]).sort((a, b) => Number(a === "endSurvey") - Number(b === "endSurvey"));
      // The links of one survey, then its agent (who ends it last); admins and the unassigned queue on their own.
      const sig = await target("agent1@example.com");
      const runs: [Identity, Target][] = [
        ["policyholderLink", sig],
        ["adjusterLink", sig],
        ["otherSurveyLink", sig],
        ["admin", await target("agent1@example.com")],
        ["agentUnassigned", await target(null)],
        ["agentOther", sig],
        ["adjusterStaff", sig],
        ["auditor", sig],
        ["anonymous", sig],
        ["agentOwner", sig],
      ];
      for (const [who, tg] of runs) {
        const conn = await connect(who, tg);
        const status = typeof conn === "number" ? conn : 101;
        await check("UPGRADE /ws/survey", upgrade, who, status, null);
        if (typeof conn === "number") continue; // refused at the door: no method is reachable
        let id = 1;
        for (const method of order) {
          // A link of another survey is that survey's policyholder: its own survey is not this matrix's target.
          if (who === "otherSurveyLink") break;
          const reply = await request(conn, id++, method, methods[method].input);
          const want = expected(methods[method], who);
          const label = `signalling ${method} as ${who}: ${JSON.stringify(reply)}`;
          if (want === "through") assert.ok(reply.ok || reply.error?.code !== "FORBIDDEN", label);
          else assert.equal(reply.error?.code, "FORBIDDEN", label);
        }
        conn.close();
      }
    });

    test("the outbox: an agent sees only their surveys' messages, nobody sees a whole link, the sender keeps it", async () => {
      const mine = await createSurveyViaApi(product, { plate: "沪O·00001" }, { agentEmail: "agent1@example.com" });
      const list = async (email: string) => {
        const r = await fetch(`${product.url}/api/trpc/outbox.list`, { headers: { Cookie: sessions.get(email)!, Origin: product.url } });
        assert.equal(r.status, 200);
        return (superjson.deserialize((await r.json()).result.data) as { surveyId: string | null; body: string }[]);
      };
      const agent1 = await list("agent1@example.com");
      const agent2 = await list("agent2@example.com");
      const admin = await list("admin@example.com");
      assert.ok(agent1.some((m) => m.surveyId === mine.surveyId), "the agent sees their survey's SMS");
      assert.ok(!agent2.some((m) => m.surveyId === mine.surveyId), "another agent does not");
      assert.ok(admin.some((m) => m.surveyId === mine.surveyId), "an admin does");
      for (const m of [...agent1, ...agent2, ...admin]) {
        assert.ok(!m.body.includes(mine.policyholderToken) && !m.body.includes(mine.adjusterToken), `no whole link in: ${m.body}`);
      }
      assert.ok(agent1.some((m) => m.body.includes(`/join/${mine.policyholderToken.slice(0, 4)}••••••••`)), "the link shows masked");
      const stored = await t.db.outboxMessage.findMany({ where: { surveyId: mine.surveyId } });
      assert.ok(stored.some((m) => m.body.includes(mine.policyholderToken)), "the sender's copy keeps the link it must deliver");
      // Asking for another agent's survey by id gives nothing either.
      const r = await fetch(`${product.url}/api/trpc/outbox.list?input=${encodeURIComponent(JSON.stringify({ json: { surveyId: mine.surveyId } }))}`, { headers: { Cookie: sessions.get("agent2@example.com")!, Origin: product.url } });
      assert.deepEqual(superjson.deserialize((await r.json()).result.data), []);
    });

    test("photos reach an invitee's page through the path-scoped cookie, never a token in the URL", async () => {
      const cookie = await photoCookie(product.url, owned.policyholderToken);
      assert.match(cookie, new RegExp(`^cs_photos_${owned.surveyId}=`));
      const viewer = await fetch(`${product.url}/api/captures/viewer`, { method: "POST", headers: { "X-Invite-Token": owned.policyholderToken } });
      assert.match(viewer.headers.get("set-cookie") ?? "", /Path=\/api\/captures; HttpOnly; SameSite=Strict/i);
      const ok = await fetch(`${product.url}/api/captures/${owned.captureId}/thumb?size=large`, { headers: { Cookie: cookie } });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get("content-type"), "image/jpeg");
      // Another survey's cookie is not this survey's: the request is anonymous.
      const otherCookie = await photoCookie(product.url, other.policyholderToken);
      assert.equal((await fetch(`${product.url}/api/captures/${owned.captureId}/thumb`, { headers: { Cookie: otherCookie } })).status, 401);
      // The old query-string form no longer opens anything.
      assert.equal((await fetch(`${product.url}/api/captures/${owned.captureId}/thumb?invite=${owned.policyholderToken}`)).status, 401);
    });

    test("an auditor's ranged playback is logged with its range, from any byte", async () => {
      const auditor = await t.db.user.findUniqueOrThrow({ where: { email: "auditor@example.com" } });
      const before = await t.db.auditLog.count({ where: { userId: auditor.id, action: "recording.play" } });
      for (const range of ["bytes=1-", "bytes=2048-4095", "bytes=-100"]) {
        const r = await fetch(`${product.url}/api/recordings/${owned.recordingId}/media`, { headers: { Cookie: sessions.get("auditor@example.com")!, Range: range } });
        assert.equal(r.status, 206, range);
        await r.arrayBuffer();
      }
      const rows = await t.db.auditLog.findMany({ where: { userId: auditor.id, action: "recording.play" }, orderBy: { at: "asc" } });
      assert.equal(rows.length - before, 3);
      assert.deepEqual(rows.slice(-3).map((r) => JSON.parse(r.details).range), [[1, 4095], [2048, 4095], [3996, 4095]]);
    });

    test("a link that expires drops its open connection as a withdrawn one does", async () => {
      const s = await target("agent1@example.com");
      // The link runs out a few seconds from now, while its holder is connected.
      await t.db.invite.updateMany({ where: { surveyId: s.surveyId, role: "policyholder", revokedAt: null }, data: { expiresAt: new Date(Date.now() + 8000) } });
      const ws = await connect("policyholderLink", s);
      assert.ok(ws instanceof WebSocket, `connected (${ws})`);
      const closed = await new Promise<{ code: number; reason: string }>((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
      assert.deepEqual(closed, { code: 4410, reason: "link-expired" });
      assert.equal(await connect("policyholderLink", s), 410, "and the link no longer opens");
    });
  });
}
