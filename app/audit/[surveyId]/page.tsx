"use client";
// One survey in the archive: claim, participants and how each was identified,
// the evidence package (status, files from its manifest), retention and legal
// hold, server-side verification, the .zip download and the playback page.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { use, useEffect } from "react";
import { useTRPC } from "../../_lib/trpc-react";
import { useStaff } from "../../_lib/use-staff";
import { useI18n } from "../../_i18n/i18n-provider";
import type { MessageKey } from "../../_i18n/messages";
import { fill } from "../../_i18n/fill";
import { StaffTopbar } from "../../_components/staff-topbar";
import { VerifyPanel } from "../../_components/evidence/verify-panel";
import { RetentionPanel } from "../../_components/evidence/retention-panel";
import { CompletenessView } from "../../_components/evidence/completeness-view";
import { JobFailureNotice } from "../../_components/evidence/job-failure-notice";
import { SignerCertificate } from "../../_components/evidence/signer-certificate";

/** A package's status as a look compares it with the opening's: its state and its failure's id. */
const packageState = (p: { status: string; errorId: string | null } | null | undefined) => `${p?.status}:${p?.errorId ?? ""}`;

const day = (d: Date | null | undefined) => (d ? new Date(d).toISOString().slice(0, 10) : "—");

export default function AuditSurveyPage({ params }: { params: Promise<{ surveyId: string }> }) {
  const { surveyId } = use(params);
  const me = useStaff();
  const { t } = useI18n();
  return (
    <>
      <StaffTopbar me={me} />
      <main className="page">
        <p>
          <Link href="/audit">← {t("audit.back")}</Link>
        </p>
        {me && <OpenedSurvey surveyId={surveyId} />}
      </main>
    </>
  );
}

/** The survey, opened once the staff member is known. */
function OpenedSurvey({ surveyId }: { surveyId: string }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // While a package is (re)built, follow its status (not logged, unlike opening) and reopen once it changes;
  // a failed one is retried by the server, so look now and then. A look that fails ends the following quietly
  // until the next opening; an opening that fails shows the error and is not asked again (beyond the app's
  // retries of a dropped call) until a change on the page reopens it.
  const openQuery = trpc.audit.open.queryOptions({ surveyId });
  const opened = useQuery(openQuery);
  const reopen = () => void queryClient.invalidateQueries({ queryKey: openQuery.queryKey });
  const openedAt = opened.dataUpdatedAt;
  const openedPkg = opened.data?.package;
  const following = (openedPkg?.status === "building" || openedPkg?.status === "failed") && !opened.isError;
  const look = useQuery(
    trpc.audit.packageStatus.queryOptions(
      { surveyId },
      {
        enabled: following,
        refetchInterval: (q) => {
          if (q.state.status === "error" && q.state.errorUpdatedAt > openedAt) return false;
          // Just (re)opened: the first look comes soon, a failed package's too.
          if (q.state.dataUpdatedAt <= openedAt) return 2000;
          return openedPkg?.status === "building" ? 2000 : 15_000;
        },
      },
    ),
  );
  // A look newer than the opening that found the package changed: open the survey again.
  useEffect(() => {
    if (!following || opened.isFetching || look.dataUpdatedAt <= openedAt) return;
    if (packageState(look.data) !== packageState(openedPkg)) reopen();
    // Judged on each look's answer.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [look.dataUpdatedAt]);
  const retryEvidence = useMutation(trpc.audit.retryEvidence.mutationOptions({ onSuccess: reopen }));
  const error = opened.error;
  const data = opened.data;
  const pkg = data?.package;
  return (
    <>
      {error && <p className="banner warn">{t("common.error")}</p>}
      {data && (
        <>
          <section className="card" data-testid="audit-claim">
            <h2>
              {t("audit.claim")} {data.claim.claimNumber}
            </h2>
            <dl>
              <dt>{t("audit.policyNumber")}</dt>
              <dd>{data.claim.policyNumber}</dd>
              <dt>{t("audit.plate")}</dt>
              <dd>{data.claim.plate}</dd>
              <dt>{t("audit.policyholder")}</dt>
              <dd>
                {data.claim.policyholderName} ({data.claim.policyholderMobile})
              </dd>
              <dt>{t("audit.incident")}</dt>
              <dd>
                {new Date(data.claim.incidentAt).toLocaleString()} · {data.claim.incidentPlace}
              </dd>
              <dt>{t("audit.policyPeriod")}</dt>
              <dd>{data.claim.policyStart ? `${day(data.claim.policyStart)} — ${day(data.claim.policyEnd)}` : "—"}</dd>
              <dt>{t("audit.agent")}</dt>
              <dd>{data.agent ? `${data.agent.name} <${data.agent.email}>` : "—"}</dd>
            </dl>
            <p className="controls">
              <Link href={`/surveys/${surveyId}/playback`} data-testid="playback-link">
                {t("audit.playback")}
              </Link>
            </p>
          </section>
          <section className="card">
            <h3>{t("audit.participants")}</h3>
            <table>
              <thead>
                <tr>
                  <th>{t("audit.role")}</th>
                  <th>{t("audit.name")}</th>
                  <th>{t("audit.identifiedBy")}</th>
                </tr>
              </thead>
              <tbody>
                {data.participants.map((p) => (
                  <tr key={p.id} data-testid="audit-participant">
                    <td data-role={p.role}>{t(`role.${p.role}` as MessageKey)}</td>
                    <td>{p.displayName}</td>
                    <td>
                      {p.identifiedBy.by === "sms-invite"
                        ? fill(t("audit.identified.smsInvite"), { mobile: p.identifiedBy.mobile })
                        : p.identifiedBy.by === "invite-link"
                          ? t("audit.identified.inviteLink")
                          : fill(t("audit.identified.staffLogin"), { email: p.identifiedBy.email ?? t("audit.identified.unknownAccount") })}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section className="card" data-testid="audit-package" data-status={pkg?.status ?? "none"}>
            <h3>{t("evidence.title")}</h3>
            <p>
              <strong>{t(`evidence.status.${pkg?.status ?? "none"}` as MessageKey)}</strong>
              {pkg?.status === "building" && ` ${Math.round(pkg.progress * 100)}%`}
            </p>
            {pkg?.status === "failed" && (
              <JobFailureNotice testId="evidence-failure" failure={pkg} onRetry={() => retryEvidence.mutateAsync({ surveyId })} />
            )}
            {pkg?.manifestSha256 && (
              <p>
                {t("evidence.manifestSha")}: <span className="mono" data-testid="audit-manifest-sha" style={{ wordBreak: "break-all" }}>{pkg.manifestSha256}</span>
              </p>
            )}
            {data.manifest && <SignerCertificate surveyId={surveyId} sha256={data.manifest.signer.certificateSha256} />}
            {pkg?.status === "ready" && (
              <p>
                <a href={`/api/evidence/${encodeURIComponent(surveyId)}/package.zip`} data-testid="download-link" download>
                  {t("audit.download")}
                </a>
              </p>
            )}
            {data.manifest && (
              <table data-testid="audit-files">
                <thead>
                  <tr>
                    <th>{t("audit.path")}</th>
                    <th>{t("audit.fileRole")}</th>
                    <th>{t("audit.size")}</th>
                    <th>SHA-256</th>
                  </tr>
                </thead>
                <tbody>
                  {data.manifest.files.map((f) => (
                    <tr key={f.path} data-testid="audit-file">
                      <td className="mono">{f.path}</td>
                      <td data-role={f.role}>{t(`audit.fileRole.${f.role}` as MessageKey)}</td>
                      <td>{f.size.toLocaleString()}</td>
                      <td className="mono" title={f.sha256}>
                        {f.sha256.slice(0, 16)}…
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {!pkg && <p>{t("audit.noPackage")}</p>}
          </section>
          {data.completeness && <CompletenessView report={data.completeness} unverified />}
          {pkg?.status === "ready" && <VerifyPanel surveyId={surveyId} />}
          <RetentionPanel
            key={`${data.retention.destroyAfter.toString()}-${String(data.retention.legalHold)}`}
            surveyId={surveyId}
            value={{ ...data.retention, disputeClosedAt: pkg?.disputeClosedAt ?? null }}
            canChange={Boolean(pkg) && pkg?.status !== "purged"}
          />
        </>
      )}
    </>
  );
}
