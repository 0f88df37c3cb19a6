"use client";
// The offer ringing for the agent: the driver's facts, a countdown to the
// offer's deadline (in the server's time), accept (opens the new survey's call
// page) or decline. Unanswered, the queue passes it on by itself.
import { useMutation } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { errorCode, type RouterOutputs } from "../../_lib/trpc-client";
import { useTRPC } from "../../_lib/trpc-react";
import { useI18n } from "../../_i18n/i18n-provider";
import type { MessageKey } from "../../_i18n/messages";
import { fill } from "../../_i18n/fill";
import type { Ringer } from "./ringer";

type Offer = NonNullable<RouterOutputs["queue"]["myOffer"]["offer"]>;

const RING_EVERY_MS = 2000;

export function OfferCard({ offer, clockOffsetMs, ringer, onAnswered }: { offer: Offer; clockOffsetMs: number; ringer: Ringer | null; onAnswered: () => void }) {
  const { t } = useI18n();
  const secondsLeft = () => Math.max(0, Math.ceil((offer.expiresAt.getTime() - (Date.now() + clockOffsetMs)) / 1000));
  const [left, setLeft] = useState(secondsLeft);
  useEffect(() => {
    const tick = setInterval(() => setLeft(secondsLeft()), 250);
    return () => clearInterval(tick);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [offer.offerId, offer.expiresAt, clockOffsetMs]);
  useEffect(() => {
    ringer?.ring();
    const ring = setInterval(() => ringer?.ring(), RING_EVERY_MS);
    return () => clearInterval(ring);
  }, [offer.offerId, ringer]);

  const trpc = useTRPC();
  const accept = useMutation(
    trpc.queue.accept.mutationOptions({
      // The survey's page is a new one: the call starts there.
      onSuccess: ({ surveyId }) => location.assign(`/console/surveys/${surveyId}`),
      onError: onAnswered,
    }),
  );
  const decline = useMutation(trpc.queue.decline.mutationOptions({ onSettled: onAnswered }));
  // Taken by another agent or passed on meanwhile: the panel's next poll shows what rings now.
  const gone = (accept.error && errorCode(accept.error) === "CONFLICT") || decline.isError;
  // Accepted, the button stays disabled while the survey's page loads.
  const busy = accept.isPending || accept.isSuccess || decline.isPending;

  const d = offer.driver;
  return (
    <div className="card consent" role="alert" data-testid="queue-offer" data-offer-id={offer.offerId} data-transfer={offer.transfer ? "yes" : "no"}>
      <h3>
        {offer.transfer ? fill(t("queue.agent.transferOffer"), { name: offer.transfer.fromAgentName }) : t(d.mode === "callback" ? "queue.agent.callbackOffer" : "queue.agent.offer")}
        {d.vip && <span className="badge" data-testid="queue-offer-vip">{t("queue.agent.vip")}</span>}
      </h3>
      <dl className="grid2" data-testid="queue-offer-facts">
        <dt>{t("claim.claimType")}</dt>
        <dd>{t(`claimType.${d.claimType}` as MessageKey)}</dd>
        {d.plate && (
          <>
            <dt>{t("claim.plate")}</dt>
            <dd data-testid="queue-offer-plate">{d.plate}</dd>
          </>
        )}
        {d.policyNumber && (
          <>
            <dt>{t("claim.policyNumber")}</dt>
            <dd data-testid="queue-offer-policy">{d.policyNumber}</dd>
          </>
        )}
        {d.policyholderName && (
          <>
            <dt>{t("claim.policyholderName")}</dt>
            <dd>{d.policyholderName}</dd>
          </>
        )}
        <dt>{t("claim.policyholderMobile")}</dt>
        <dd>{d.mobile}</dd>
        <dt>{t("report.language")}</dt>
        <dd>{t(d.language === "en" ? "report.language.en" : "report.language.zh-CN")}</dd>
        {d.region && (
          <>
            <dt>{t("field.region")}</dt>
            <dd>{d.region}</dd>
          </>
        )}
        <dt>{t("queue.agent.waitingSince")}</dt>
        <dd>{d.enteredAt.toLocaleTimeString()}</dd>
      </dl>
      <p>
        <strong data-testid="queue-offer-countdown" data-seconds={left}>{fill(t("queue.agent.countdown"), { sec: left })}</strong>
      </p>
      {gone && <p className="error" role="alert">{t("queue.agent.offerGone")}</p>}
      <div className="controls">
        <button type="button" className="primary" disabled={busy || left === 0} onClick={() => accept.mutate({ offerId: offer.offerId })} data-testid="queue-accept">
          {t("queue.agent.accept")}
        </button>
        <button type="button" disabled={busy} onClick={() => decline.mutate({ offerId: offer.offerId })} data-testid="queue-decline">
          {t("queue.agent.decline")}
        </button>
      </div>
    </div>
  );
}
