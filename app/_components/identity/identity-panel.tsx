"use client";
// The identity step in the agent's console: start it (the phone is guided
// through card front, card back, then the face with the front camera — the
// next guide goes out as soon as a photo is accepted), then card, the portrait
// cut from it and the live face side by side with what the OCR read, each
// mismatch with the claim marked, and the agent's attestation with a reason.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { errorCode } from "../../_lib/trpc-client";
import { useTRPC, useTRPCClient } from "../../_lib/trpc-react";
import { useRefetchOnChange } from "../../_lib/use-refetch-on-change";
import { useI18n } from "../../_i18n/i18n-provider";
import type { MessageKey } from "../../_i18n/messages";
import type { SurveyCall } from "../../_lib/call/survey-call";
import { SignalError } from "../../_lib/call/signalling-client";
import { ShotActions } from "../capture/shot-actions";

type ShotName = "front" | "back" | "face";
/** What a button of the panel asks: a write to the server, or a guide or capture sent to the phone. */
type Step = { kind: "start" } | { kind: "guide" | "capture"; shot: ShotName } | { kind: "attest"; decision: "confirmed" | "not_confirmed"; reason: string };
const ORDER: ShotName[] = ["front", "back", "face"];
const KNOWN_ERRORS = ["IDENTITY_NOT_STARTED", "IDENTITY_INCOMPLETE", "SURVEY_CLOSED", "BAD_REQUEST"] as const;

function errorKey(err: unknown): MessageKey {
  // A guide that cannot reach the phone (not joined yet, connection lost) says so, as the checklist does.
  if (err instanceof SignalError) return err.code === "NOT_READY" ? "capture.error.notReady" : err.code === "DISCONNECTED" || err.code === "TIMEOUT" ? "capture.error.disconnected" : "common.error";
  const code = errorCode(err);
  const known = KNOWN_ERRORS.find((c) => c === code);
  return known ? (`identity.error.${known}` as MessageKey) : "common.error";
}

export function IdentityPanel({ surveyId, call }: { surveyId: string; call: SurveyCall }) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const statusQuery = trpc.identity.status.queryOptions({ surveyId }, { refetchInterval: 1500 });
  const { data } = useQuery(statusQuery);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: statusQuery.queryKey });
  const s = useSyncExternalStore(call.subscribe, call.snapshot, call.snapshot);
  const [reason, setReason] = useState("");
  const pushed = useRef(new Set<string>());

  // One step at a time from the panel's buttons: busy while it runs (the buttons disable), the error
  // it ended with as a message key, and the panel's status asked again afterwards whatever the
  // outcome, so the screen shows what the server now holds.
  const step = useMutation({
    mutationFn: async (asked: Step) => {
      switch (asked.kind) {
        case "start":
          await client.identity.start.mutate({ surveyId });
          pushed.current.add(itemKey("front"));
          return call.pushGuide(itemKey("front"));
        case "guide":
          return call.pushGuide(itemKey(asked.shot));
        case "capture":
          return call.requestCapture(itemKey(asked.shot));
        case "attest":
          return client.identity.attest.mutate({ surveyId, decision: asked.decision, reason: asked.reason });
      }
    },
    onSettled: refresh,
  });
  const busy = step.isPending;
  const error = step.error ? errorKey(step.error) : null;

  // A photo arrived: look again now rather than at the next poll.
  useRefetchOnChange(statusQuery.queryKey, s.captures.length);

  const itemKey = (shot: ShotName) => data?.items[ORDER.indexOf(shot)]?.key ?? "";
  const accepted = (shot: ShotName) => data?.shots[shot]?.verdict === "accepted";
  const next = data?.requested ? ORDER.find((shot) => !accepted(shot)) ?? null : null;

  // Guide the phone to the next shot once, as soon as the one before is accepted.
  useEffect(() => {
    if (!data?.requested || !next || next === "front") return;
    const key = itemKey(next);
    if (pushed.current.has(key)) return;
    pushed.current.add(key);
    call.pushGuide(key).catch(() => pushed.current.delete(key));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data?.requested, next]);



  if (!data) return null;
  const reading = data.reading;
  const label = (shot: ShotName) => data.items[ORDER.indexOf(shot)]?.label[locale] ?? shot;
  return (
    <section className="card identity" data-testid="identity-panel" data-requested={data.requested} data-reading={data.readingState} data-next={next ?? ""}>
      <h3>{t("identity.title")}</h3>
      {!data.requested && (
        <>
          <p className="muted">{t("identity.notStarted")}</p>
          <button
            type="button"
            className="primary"
            data-testid="identity-start"
            disabled={busy}
            onClick={() => step.mutate({ kind: "start" })}
          >
            {t("identity.start")}
          </button>
        </>
      )}
      {data.requested && (
        <>
          <p data-testid="identity-next">{next ? `${t("identity.next")} ${label(next)}` : t("identity.done")}</p>
          <table>
            <tbody>
              {ORDER.map((shot) => {
                const c = data.shots[shot];
                return (
                  <tr key={shot} data-testid="identity-shot" data-shot={shot} data-state={c ? c.verdict : "missing"}>
                    <td>{label(shot)}</td>
                    <td>{c ? (c.verdict === "accepted" ? t(c.overridden ? "capture.overridden" : "capture.accepted") : t("identity.rejectedPhoto")) : t("identity.waitingPhoto")}</td>
                    <ShotActions
                      disabled={busy}
                      testIds={{ guide: "identity-guide", capture: "identity-capture" }}
                      onGuide={() => step.mutate({ kind: "guide", shot })}
                      onCapture={() => step.mutate({ kind: "capture", shot })}
                    />
                  </tr>
                );
              })}
            </tbody>
          </table>
          <div className="identity-compare" style={{ display: "flex", gap: "0.75rem", flexWrap: "wrap", alignItems: "flex-start" }}>
            <figure>
              {data.shots.front ? <img src={data.shots.front.thumbUrl} alt={t("identity.card")} data-testid="identity-card-image" style={{ maxWidth: 320 }} /> : <div className="muted">{t("identity.waitingPhoto")}</div>}
              <figcaption>{t("identity.card")}</figcaption>
            </figure>
            <figure>
              {reading?.portraitDataUrl ? (
                <img src={reading.portraitDataUrl} alt={t("identity.portrait")} data-testid="identity-portrait" style={{ maxHeight: 200 }} />
              ) : (
                <div className="muted">{reading ? t("identity.noPortrait") : "—"}</div>
              )}
              <figcaption>{t("identity.portrait")}</figcaption>
            </figure>
            <figure>
              {data.shots.face ? <img src={data.shots.face.thumbUrl} alt={t("identity.face")} data-testid="identity-face-image" style={{ maxHeight: 200 }} /> : <div className="muted">{t("identity.waitingPhoto")}</div>}
              <figcaption>{t("identity.face")}</figcaption>
            </figure>
            {data.shots.back && (
              <figure>
                <img src={data.shots.back.thumbUrl} alt={t("identity.cardBack")} data-testid="identity-back-image" style={{ maxWidth: 160 }} />
                <figcaption>{t("identity.cardBack")}</figcaption>
              </figure>
            )}
          </div>
          {data.readingState === "reading" && <p className="banner" data-testid="identity-reading">{t("identity.reading")}</p>}
          {data.readingState === "failed" && <p className="banner warn" data-testid="identity-read-failed">{t("identity.readFailed")}</p>}
          {reading && (
            <dl className="identity-result" data-testid="identity-result">
              <dt>{t("identity.readName")}</dt>
              <dd data-testid="identity-name" data-value={reading.name ?? ""} data-match={String(reading.nameMatches)} className={reading.nameMatches ? "ok" : "error"}>
                <strong>{reading.name ?? t("identity.notRead")}</strong> · {t("identity.claimValue")}: {reading.expected.name} ·{" "}
                {reading.nameMatches ? `✓ ${t("identity.match")}` : `✗ ${t("identity.mismatch")}`}
              </dd>
              <dt>{t("identity.readNumber")}</dt>
              <dd
                data-testid="identity-number"
                data-value={reading.idNumber ?? ""}
                data-valid={String(reading.idNumberValid)}
                data-match={String(reading.numberMatches)}
                className={reading.idNumberValid && reading.numberMatches !== false ? "ok" : "error"}
              >
                <strong>{reading.idNumber ?? t("identity.notRead")}</strong> · {reading.idNumberValid ? `✓ ${t("identity.checkOk")}` : `✗ ${t("identity.checkBad")}`} ·{" "}
                {reading.numberMatches === null
                  ? t("identity.noClaimNumber")
                  : `${t("identity.claimValue")}: ${reading.expected.idNumber} · ${reading.numberMatches ? `✓ ${t("identity.match")}` : `✗ ${t("identity.mismatch")}`}`}
              </dd>
            </dl>
          )}
          {data.attestation && (
            <p className={data.attestation.decision === "confirmed" ? "banner ok" : "banner warn"} data-testid="identity-attested" data-decision={data.attestation.decision}>
              {t(`identity.attested.${data.attestation.decision}` as MessageKey)} · {data.attestation.reason} · {new Date(data.attestation.at).toLocaleString(locale)}
            </p>
          )}
          <label>
            {t("identity.reason")}
            <textarea data-testid="identity-reason" value={reason} maxLength={500} placeholder={t("identity.reasonHint")} onChange={(e) => setReason(e.target.value)} />
          </label>
          <div>
            <button type="button" className="primary" data-testid="identity-confirm" disabled={busy} onClick={() => step.mutate({ kind: "attest", decision: "confirmed", reason })}>
              {t("identity.confirm")}
            </button>{" "}
            <button type="button" data-testid="identity-not-confirmed" disabled={busy} onClick={() => step.mutate({ kind: "attest", decision: "not_confirmed", reason })}>
              {t("identity.reject")}
            </button>
          </div>
        </>
      )}
      {error && (
        <p className="error" role="alert" data-testid="identity-error">
          {t(error)}
        </p>
      )}
    </section>
  );
}
