// A withdrawn link stops working at once for every connection made with it,
// not only for a participant already in the call: a page getting ready to join
// (socket open, transports made) is dropped too, and a connection let in just
// before the withdrawal cannot enter the call after it. Real product process,
// real signalling sockets, the agent's real tRPC call.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createDb } from "../../server/db/client";
import { databaseTarget } from "../../server/db/database-target";
import { demoAccounts } from "../../server/db/seed-demo";
import { closeCodes, WITHDRAWN_CLOSE_REASON } from "../../server/signalling/close-codes";
import { createSurveyViaApi, startProductProcess, type RunningProduct } from "../support/product-process";
import { openCallSocket, signallingClient } from "../support/signalling-socket";
import { loginCookie, trpcCall } from "../support/trpc-http";

let product: RunningProduct;
let survey: Awaited<ReturnType<typeof createSurveyViaApi>>;
let agentCookie: string;

before(async () => {
  product = await startProductProcess({ pages: "none" });
  const agent = demoAccounts.find((a) => a.email === "agent1@example.com")!;
  survey = await createSurveyViaApi(product, {}, { agentEmail: agent.email });
  agentCookie = await loginCookie(product.url, agent.email, agent.password);
});
after(() => product.stop());

type Connection = ReturnType<typeof signallingClient>;

const connect = async (invite: string): Promise<Connection> => signallingClient(await openCallSocket(product.url, { invite }));

/** The survey's invite of this role, as the agent's console lists it. */
async function inviteId(role: "policyholder" | "adjuster"): Promise<string> {
  const r = await trpcCall(product.url, "surveys.get", { surveyId: survey.surveyId }, { kind: "query", cookie: agentCookie });
  const invites = (r.body.result!.data.json as { invites: { id: string; role: string; revokedAt: unknown }[] }).invites;
  return invites.find((i) => i.role === role && !i.revokedAt)!.id;
}

/** A close, or a plain "not closed" after a bound long enough for a loaded machine: the assertion then says so. */
function closedWithin(c: Connection, ms: number): Promise<{ code: number; reason: string } | "not closed"> {
  return Promise.race([c.closed, new Promise<"not closed">((r) => setTimeout(() => r("not closed"), ms).unref())]);
}

test("connections with the link that have not joined are closed when the agent withdraws the link", async () => {
  // One just opened (no request yet), one getting ready as the page does while
  // the driver reads it (capabilities and a receiving transport).
  const opened = await connect(survey.policyholderToken);
  const ready = await connect(survey.policyholderToken);
  assert.equal((await ready.request("getRouterRtpCapabilities")).ok, true);
  assert.equal((await ready.request("createTransport", { direction: "recv" })).ok, true);

  const withdrawn = await trpcCall(product.url, "surveys.revokeInvite", { surveyId: survey.surveyId, inviteId: await inviteId("policyholder") }, { cookie: agentCookie });
  assert.equal(withdrawn.status, 200, withdrawn.text);
  const [a, b] = await Promise.all([closedWithin(opened, 60_000), closedWithin(ready, 60_000)]);
  assert.deepEqual(a, { code: closeCodes.gone, reason: WITHDRAWN_CLOSE_REASON }, "the connection that had made no request yet");
  assert.deepEqual(b, { code: closeCodes.gone, reason: WITHDRAWN_CLOSE_REASON }, "the connection getting ready");
});

test("a connection let in just before the withdrawal cannot enter the call after it", async () => {
  const adjuster = await connect(survey.adjusterToken);
  const caps = await adjuster.request("getRouterRtpCapabilities");
  assert.equal((await adjuster.request("createTransport", { direction: "recv" })).ok, true);
  // Withdrawn in the record only, as when the hub's drop ran before this
  // connection was attached to the survey (between the upgrade's check and the attach).
  const db = createDb(databaseTarget(`file:${product.dataDir}/claims-survey.db`));
  try {
    await db.invite.update({ where: { id: await inviteId("adjuster") }, data: { revokedAt: new Date() } });
  } finally {
    await db.$disconnect();
  }
  const joined = await adjuster.request("join", { rtpCapabilities: (caps.data as { rtpCapabilities: unknown }).rtpCapabilities });
  assert.equal(joined.ok, false, "the join is refused");
  assert.deepEqual(await closedWithin(adjuster, 60_000), { code: closeCodes.gone, reason: WITHDRAWN_CLOSE_REASON });
});
