"use client";
// One survey in the archive: claim, participants and how each was identified,
// the evidence package (status, files from its manifest), retention and legal
// hold, server-side verification, the .zip download and the playback page.
import Link from "next/link";
import { use } from "react";
import { trpc } from "../../_lib/trpc-client";
import { usePolled } from "../../_lib/use-polled";
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

type Opened = Awaited<ReturnType<typeof trpc.audit.open.query>>;
/** The survey as last opened, and when to look at its package's status again (null: not at all). */
type Shown = { opened: Opened; lookAgain: number | null };

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
  // While a package is (re)built, follow its status (not logged, unlike opening) and reopen once it changes;
  // a failed one is retried by the server, so look now and then. A look that fails ends the following quietly;
  // an opening that fails shows the error and is not retried.
  const { data: shown, error, refresh } = usePolled(
    async (last: Shown | null): Promise<Shown> => {
      const pkg = last?.opened.package;
      if (last && (pkg?.status === "building" || pkg?.status === "failed")) {
        const now = await trpc.audit.packageStatus.query({ surveyId }).then(
          (s) => `${s?.status}:${s?.errorId ?? ""}`,
          () => null,
        );
        if (now === null) return { opened: last.opened, lookAgain: null };
        if (now === `${pkg.status}:${pkg.errorId ?? ""}`) return { opened: last.opened, lookAgain: pkg.status === "building" ? 2000 : 15_000 };
      }
      const opened = await trpc.audit.open.query({ surveyId });
      // Just (re)opened: the first look comes soon, a failed package's too.
      const status = opened.package?.status;
      return { opened, lookAgain: status === "building" || status === "failed" ? 2000 : null };
    },
    (shown) => shown.lookAgain,
    { retry: null, restartOn: [surveyId] },
  );
  const data = shown?.opened;
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
              <JobFailureNotice testId="evidence-failure" failure={pkg} onRetry={() => trpc.audit.retryEvidence.mutate({ surveyId }).then(() => refresh())} />
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
            onChanged={refresh}
          />
        </>
      )}
    </>
  );
}
