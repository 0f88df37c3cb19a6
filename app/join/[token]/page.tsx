"use client";
// What the policyholder (or the invited field adjuster) opens from the SMS:
// a phone-first page that checks the link, asks for the camera, and joins.
import { useQuery } from "@tanstack/react-query";
import { use, useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { errorCode, ruleRefusal, useInviteToken } from "../../_lib/trpc-client";
import { useTRPC, useTRPCClient } from "../../_lib/trpc-react";
import { useI18n } from "../../_i18n/i18n-provider";
import type { MessageKey } from "../../_i18n/messages";
import { LanguageSwitch } from "../../_components/language-switch";
import { CallView } from "../../_components/call/call-view";
import { CallErrorCard } from "../../_components/call/call-error-card";
import { SurveyCall } from "../../_lib/call/survey-call";
import { signallingTarget } from "../../_lib/call/signalling-url";
import { CapturePanel } from "../../_components/capture/capture-panel";
import { ChecklistPanel } from "../../_components/capture/checklist-panel";
import { Gallery } from "../../_components/capture/gallery";
import { outboxFor } from "../../_lib/capture/photo-outbox";
import { StatementSign } from "../../_components/statement/statement-sign";
import { StatementStatus } from "../../_components/statement/statement-status";
import { PlaceAsk } from "../../_components/place/place-ask";

/** The join card's intro: one text while the link is checked, then the one for the invitee's role. */
const INTRO = { loading: "common.loading", policyholder: "join.intro", adjuster: "join.introAdjuster" } as const satisfies Record<string, MessageKey>;

export default function JoinPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = use(params);
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [started, setStarted] = useState(false);
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  // Before any call: every call from this page, the queries' too, carries the link's token.
  useInviteToken(token);

  const resolved = useQuery(trpc.join.resolve.queryOptions({ token }));
  const invite = resolved.data ?? null;
  const problem = resolved.error ? (errorCode(resolved.error) ?? "INVITE_INVALID") : null;
  // Photos an earlier page of this link kept on the phone continue uploading at once, before any rejoin.
  useEffect(() => {
    if (invite?.role === "policyholder") void outboxFor(token).resume();
  }, [invite?.role, token]);

  const call = useMemo(
    () =>
      new SurveyCall({
        signalling: typeof window === "undefined" ? { url: "", protocols: [] } : signallingTarget({ invite: token }),
        // The policyholder films the car: rear camera first (a laptop falls back to its only camera).
        initialFacing: "environment",
        // The call's own one-shot questions, asked by the call when it needs them (the client itself, not the page's queries).
        loadChatHistory: async () => (await client.join.chatHistory.query()).map((m) => ({ ...m, at: m.at.toISOString() })),
        // Only an answer from the server ends the retries; no answer means no network yet.
        whyNotJoinable: () => client.join.resolve.query({ token }).then(() => null, (err) => ruleRefusal(err)),
      }),
    [token, client],
  );
  useEffect(() => {
    // Warm up signalling and transports while the person reads the page.
    call.prepare().catch(() => undefined);
    return () => call.leave();
  }, [call]);
  const state = useSyncExternalStore(call.subscribe, call.snapshot, call.snapshot);

  // A capture step: the camera takes the whole phone screen.
  const capturing = invite?.role === "policyholder" && Boolean(state.guide) && started && !["error", "ended", "left"].includes(state.phase);
  const introForm: keyof typeof INTRO = !invite ? "loading" : invite.role === "adjuster" ? "adjuster" : "policyholder";
  const knownProblem = problem && (["INVITE_INVALID", "INVITE_EXPIRED", "INVITE_REVOKED", "SURVEY_CLOSED"] as const).find((c) => c === problem);
  // The server closed this page's connection because the link was withdrawn or ran out: in the
  // call, or while the person is still reading this page (its connection is made on load), so
  // the page says so at once instead of offering a join that can only be refused.
  const linkGone = state.phase === "left" && (state.error?.code === "INVITE_REVOKED" || state.error?.code === "INVITE_EXPIRED") ? state.error.code : null;
  return (
    <main className={capturing ? "page join capture-mode" : "page join"}>
      <div className="topbar">
        <h1>{t("join.title")}</h1>
        <LanguageSwitch />
      </div>
      {problem && (
        <section className="card" data-testid="invite-problem" data-code={problem}>
          <p>{knownProblem ? t(`invite.${knownProblem}` as MessageKey) : t("common.error")}</p>
        </section>
      )}
      {/* The button does not wait for the link check: that round trip would sit
          between the SMS tap and the call. A bad link still ends on its own page,
          since joining is refused and the check's answer replaces this card.
          Nothing above the button changes height when the check answers: a tap that
          lands as the text grows would otherwise end on the text (the finger goes down
          on the button and comes up on the paragraph that pushed it down), and the tap
          is lost. So the intro keeps the height of its longest form, and the claim
          line, whose length only the answer tells, comes after the button. */}
      {!problem && !started && !linkGone && (
        <section className="card">
          <div className="same-place">
            {(Object.keys(INTRO) as (keyof typeof INTRO)[]).map((form) => (
              <p key={form} aria-hidden={form !== introForm}>
                {t(INTRO[form])}
              </p>
            ))}
          </div>
          <button
            className="primary"
            type="button"
            data-testid="join-button"
            data-receive-ready={state.receiveReady}
            // Disabled until React is live: a tap on the server-rendered button would be lost.
            disabled={!hydrated}
            onClick={() => {
              setStarted(true);
              void call.start();
            }}
          >
            {t("join.button")}
          </button>
          <p>
            {t("join.claimNumber")}: <strong>{invite?.claimNumber ?? "…"}</strong>
            {invite && ` · ${invite.plate}`}
          </p>
        </section>
      )}
      {started && !problem && state.phase === "error" && <CallErrorCard call={call} error={state.error} />}
      {started && state.phase === "ended" && <p className="banner" data-testid="call-ended">{t("call.ended")}</p>}
      {!problem && linkGone && (
        <section className="card" data-testid="invite-problem" data-code={linkGone}>
          <p>{t(`invite.${linkGone}`)}</p>
        </section>
      )}
      {started && state.phase === "left" && !linkGone && (
        <section className="card">
          <p>{t("call.left")}</p>
          <button type="button" onClick={() => void call.start()}>{t("call.rejoin")}</button>
        </section>
      )}
      {/* Asked once, with the reason, before the browser's own prompt, and above the recording notice so the
          consent can carry the position; a no never stops the survey. */}
      {started && !problem && invite?.role === "policyholder" && !["error", "ended", "left"].includes(state.phase) && <PlaceAsk />}
      {started && !problem && !["error", "ended", "left"].includes(state.phase) && (
        <CallView call={call} canEnd={false} capturing={capturing}>
          {/* Over everything, the camera step included: the driver reads and signs before going on. */}
          {invite?.role === "policyholder" && <StatementSign />}
          {invite?.role === "adjuster" && (
            <StatementStatus
              role="adjuster"
              status={trpc.statement.mine.queryOptions({ locale })}
              onConfirm={(statementSha256) => client.statement.confirmAsAdjuster.mutate({ statementSha256 })}
            />
          )}
          {invite?.role === "policyholder" && (
            <CapturePanel
              call={call}
              inviteToken={token}
              checklist={trpc.join.checklist.queryOptions()}
            />
          )}
          {invite?.role === "adjuster" && <ChecklistPanel call={call} checklist={trpc.join.checklist.queryOptions()} />}
          <Gallery call={call} captures={trpc.join.captures.queryOptions()} inviteToken={token} />
        </CallView>
      )}
    </main>
  );
}
