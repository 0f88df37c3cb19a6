"use client";
// The agent's survey room: claim summary, invite links, the call and chat.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { use, useCallback, useEffect, useMemo, useState } from "react";
import { ruleRefusal } from "../../../_lib/trpc-client";
import { useTRPC, useTRPCClient } from "../../../_lib/trpc-react";
import { useStaff } from "../../../_lib/use-staff";
import { useI18n } from "../../../_i18n/i18n-provider";
import type { MessageKey } from "../../../_i18n/messages";
import { StaffTopbar } from "../../../_components/staff-topbar";
import { InviteLinks } from "../../../_components/invites/invite-links";
import { CallView } from "../../../_components/call/call-view";
import { SurveyCall } from "../../../_lib/call/survey-call";
import { signallingTarget } from "../../../_lib/call/signalling-url";
import { ChecklistPanel } from "../../../_components/capture/checklist-panel";
import { Gallery } from "../../../_components/capture/gallery";
import { EvidenceProgress } from "../../../_components/evidence/evidence-progress";
import { EvidenceCompleteness } from "../../../_components/evidence/evidence-completeness";
import { RecordingsList } from "../../../_components/recording/recordings-list";
import { StatementStatus } from "../../../_components/statement/statement-status";
import { TransferPanel } from "../../../_components/queue/transfer-panel";
import { EndSurveyDialog } from "../../../_components/statement/end-survey-dialog";
import { IdentityPanel } from "../../../_components/identity/identity-panel";

export default function SurveyPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = use(params);
  const me = useStaff();
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const surveyQuery = trpc.surveys.get.queryOptions({ surveyId: id });
  // Read once the staff member is known; a failed read keeps the survey last shown.
  const { data: survey, isError } = useQuery({ ...surveyQuery, enabled: Boolean(me) });
  const refreshSurvey = () => void queryClient.invalidateQueries({ queryKey: surveyQuery.queryKey });
  const [joined, setJoined] = useState(false);
  // Passed on to another agent: the survey is theirs now; this page may stay in the call but not end it.
  const [handedOver, setHandedOver] = useState(false);
  const onHandedOver = useCallback(() => setHandedOver(true), []);
  const [ending, setEnding] = useState(false);

  const call = useMemo(
    () =>
      new SurveyCall({
        signalling: typeof window === "undefined" ? { url: "", protocols: [] } : signallingTarget({ surveyId: id }),
        initialFacing: "user",
        // The call's own one-shot questions, asked by the call when it needs them (the client itself, not the page's queries).
        loadChatHistory: async () => (await client.chat.history.query({ surveyId: id })).map((m) => ({ ...m, at: m.at.toISOString() })),
        whyNotJoinable: () => client.surveys.get.query({ surveyId: id }).then((s) => (s.status === "closed" ? "SURVEY_CLOSED" : null), (err) => ruleRefusal(err)),
      }),
    [id, client],
  );
  useEffect(() => () => call.leave(), [call]);
  useEffect(() => {
    if (survey && survey.status !== "closed") call.prepare().catch(() => undefined);
  }, [call, survey?.status]);

  return (
    <>
      <StaffTopbar me={me} />
      <main className="page">
        {isError && <p className="error" role="alert">{t("common.error")}</p>}
        {survey && (
          <>
            <section className="card">
              <h2>
                {t("survey.claim")} {survey.claim.claimNumber} · {survey.claim.plate} ·{" "}
                <span data-testid="survey-status">{t(`survey.status.${survey.status}` as MessageKey)}</span>
              </h2>
              <p className="muted">
                {survey.claim.policyholderName} · {survey.claim.policyNumber} · {survey.claim.incidentPlace} · {new Date(survey.claim.incidentAt).toLocaleString()}
              </p>
              {survey.status !== "closed" && <InviteLinks surveyId={id} invites={survey.invites} />}
            </section>
            {survey.status !== "closed" && !joined && (
              <button
                className="primary"
                type="button"
                data-testid="join-button"
                onClick={() => {
                  setJoined(true);
                  void call.start();
                }}
              >
                {t("survey.join")}
              </button>
            )}
            {joined && (
              <CallView call={call} canEnd={!handedOver} onEndRequest={() => setEnding(true)} onEnded={refreshSurvey} onJoined={() => !handedOver && refreshSurvey()}>
                {ending && !handedOver && <EndSurveyDialog surveyId={id} onClose={() => setEnding(false)} />}
                {/* Handed over, the survey's photos and statement are the new agent's to read; the call goes on here. */}
                {!handedOver && (
                  <>
                    <ChecklistPanel
                      call={call}
                      checklist={trpc.captures.checklist.queryOptions({ surveyId: id })}
                      onOverride={async (captureId, reason) => call.addCapture(await client.captures.override.mutate({ surveyId: id, captureId, reason }))}
                    />
                    <IdentityPanel surveyId={id} call={call} />
                    <StatementStatus
                      role="agent"
                      status={trpc.statement.status.queryOptions({ surveyId: id, locale })}
                      onRequest={() => client.statement.request.mutate({ surveyId: id })}
                      onConfirm={(statementSha256) => client.statement.confirm.mutate({ surveyId: id, statementSha256 })}
                    />
                    <Gallery call={call} captures={trpc.captures.list.queryOptions({ surveyId: id })} />
                  </>
                )}
              </CallView>
            )}
            {survey.status !== "closed" && (me?.role === "agent" || me?.role === "admin") && <TransferPanel surveyId={id} call={call} onHandedOver={onHandedOver} />}
            {survey.status === "closed" && <p className="banner">{t("call.ended")}</p>}
            {survey.status === "closed" && <EvidenceProgress surveyId={id} />}
            {survey.status === "closed" && <EvidenceCompleteness surveyId={id} />}
            {survey.status === "closed" && <RecordingsList surveyId={id} refreshKey={survey.closedAt} />}
          </>
        )}
      </main>
    </>
  );
}
