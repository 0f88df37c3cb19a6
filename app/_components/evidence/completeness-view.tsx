"use client";
// The package's recording completeness in the reader's language: the verdict,
// then each participant × audio/video with what was expected, what was
// recorded and every missing stretch (offsets from the consent) with its cause,
// failure codes and error ids (the ids are in the server log). Shown apart
// from the integrity checks: an intact package can record an incomplete survey.
import { useI18n } from "../../_i18n/i18n-provider";
import type { MessageKey } from "../../_i18n/messages";
import type { CompletenessReport } from "../../../server/evidence/completeness-report";
import { completenessStrings } from "../../../server/evidence/report-completeness";

const fill = (text: string, vars: Record<string, string>) => text.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);

function length(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

export function CompletenessView({ report, unverified = false }: { report: CompletenessReport; unverified?: boolean }) {
  const { t, locale } = useI18n();
  // A gap's cause in the same words as the package's PDF report: one table (report-completeness.ts), typed by the cause itself.
  const causes = completenessStrings(locale).causes;
  const verdict =
    report.status === "unknown"
      ? `${t("evidence.completeness.unknown")} ${t(`evidence.completeness.unknown.${report.unknownReason ?? "no-survey-record"}` as MessageKey)}`
      : report.consentAt === null
        ? t("evidence.completeness.noConsent")
        : t(`evidence.completeness.${report.status}` as MessageKey);
  return (
    <section className="card" data-testid="completeness" data-status={report.status}>
      <h3>{t("evidence.completeness.title")}</h3>
      <p className={`banner ${report.status === "complete" ? "ok" : "warn"}`} data-testid="completeness-verdict">
        {verdict}
      </p>
      {report.consentAt && (
        <p className="muted">
          {fill(t("evidence.completeness.basis"), { time: new Date(report.consentAt).toLocaleString(), seconds: String(report.toleranceMs / 1000) })}
          {unverified && ` ${t("evidence.completeness.unverified")}`}
        </p>
      )}
      {report.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>{t("evidence.completeness.track")}</th>
              <th>{t("evidence.completeness.expected")}</th>
              <th>{t("evidence.completeness.recorded")}</th>
              <th>{t("evidence.completeness.missing")}</th>
            </tr>
          </thead>
          <tbody>
            {report.items.map((i) => {
              const counted = i.gaps.filter((g) => !g.tolerated);
              const tolerated = i.gaps.length - counted.length;
              return (
                <tr
                  key={`${i.participantId}-${i.kind}`}
                  data-testid="completeness-item"
                  data-role={i.role}
                  data-kind={i.kind}
                  data-never-recorded={String(i.neverRecorded)}
                  data-gaps={counted.map((g) => `${g.fromOffset}–${g.toOffset}`).join(" ")}
                >
                  <td>
                    {t(`role.${i.role}` as MessageKey)} {i.name} · {t(`evidence.completeness.kind.${i.kind}` as MessageKey)}
                  </td>
                  <td>{length(i.expectedMs)}</td>
                  <td>{length(i.coveredMs)}</td>
                  <td className={counted.length ? "state-rejected" : "state-accepted"}>
                    {i.neverRecorded && <strong>{t("evidence.completeness.neverRecorded")}. </strong>}
                    {counted.length === 0 && t("evidence.completeness.full")}
                    <ul>
                      {counted.map((g) => (
                        <li key={g.from} data-testid="completeness-gap">
                          <span className="mono">
                            {g.fromOffset}–{g.toOffset}
                          </span>{" "}
                          · {causes[g.cause]}
                          {g.resumedAfter && `; ${causes[g.resumedAfter]}`}
                          {g.codes.length > 0 && (
                            <span className="mono">
                              {" "}
                              ({g.codes.join(", ")}
                              {g.errorIds.length > 0 && `; ${t("evidence.completeness.errorId")} ${g.errorIds.join(", ")}`})
                            </span>
                          )}
                        </li>
                      ))}
                    </ul>
                    {tolerated > 0 && (
                      <span className="muted">
                        {t("evidence.completeness.tolerated")}: {tolerated}
                      </span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
