"use client";
// The driver's side: once the agent asks, the statement in the phone's
// language, its hash in short, and a signature pad (clear / sign). A statement
// that changed while it was being read is refused by the server (409) and
// shown again, fresh.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { errorCode } from "../../_lib/trpc-client";
import { useTRPC } from "../../_lib/trpc-react";
import { useI18n } from "../../_i18n/i18n-provider";
import { SignaturePad, shortHash } from "../../_lib/statement/signature-pad";
import { statementErrorKey } from "./statement-errors";
import { phonePlace } from "../../_lib/place/phone-place";
import type { MessageKey } from "../../_i18n/messages";

const POLL_MS = 2000;

export function StatementSign() {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const statementQuery = trpc.statement.mine.queryOptions({ locale });
  // After a language switch the statement (and the pad) stay until the next answer brings it in the new language.
  const { data } = useQuery({ ...statementQuery, refetchInterval: POLL_MS, placeholderData: keepPreviousData });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: statementQuery.queryKey });
  const canvas = useRef<HTMLCanvasElement | null>(null);
  const pad = useRef<SignaturePad | null>(null);
  const [empty, setEmpty] = useState(true);
  // Asking the phone where it is comes before the signature is sent.
  const [locating, setLocating] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);
  const signing = useMutation(
    trpc.statement.sign.mutationOptions({
      // A changed statement: the new text is fetched and the pad emptied (below); the driver reads and signs again.
      onError: (err) => {
        if (errorCode(err) === "STATEMENT_CHANGED") pad.current?.clear();
      },
      onSettled: refresh,
    }),
  );
  const sending = locating || signing.isPending;
  const problem: MessageKey | null = error ?? (signing.error ? statementErrorKey(errorCode(signing.error)) : null);

  const signedCurrent = Boolean(data?.signature?.current);
  const asking = Boolean(data?.requested) && !signedCurrent;
  // A fact recorded while the driver reads (a photo, an override) changes the text:
  // say so and empty the pad, so a signature never covers a text the driver did not see.
  // (The same facts in the other language after a language switch are not a change.)
  const read = useRef<{ locale: string; sha256: string } | null>(null);
  const shown = data ? { locale: data.statement.locale, sha256: data.statement.sha256 } : null;
  useEffect(() => {
    if (!asking || !shown) return;
    if (read.current && read.current.locale === shown.locale && read.current.sha256 !== shown.sha256) {
      setError("statement.error.STATEMENT_CHANGED");
      pad.current?.clear();
    }
    read.current = shown;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [asking, shown?.locale, shown?.sha256]);
  useEffect(() => {
    if (!asking || !canvas.current) return;
    const p = new SignaturePad(canvas.current, () => setEmpty(p.isEmpty()));
    pad.current = p;
    setEmpty(true);
    return () => {
      p.dispose();
      pad.current = null;
    };
  }, [asking]);

  if (!data?.requested) return null;
  if (signedCurrent) {
    return (
      <section className="card statement statement-done" data-testid="statement-signed" data-sha256={data.signature!.statementSha256}>
        <h2>{t("statement.title")}</h2>
        <p className="banner ok">{t("statement.signedThanks")}</p>
        <p className="muted">
          {t("statement.hash")} <code>{shortHash(data.signature!.statementSha256)}</code>
        </p>
      </section>
    );
  }

  const sign = async () => {
    const p = pad.current;
    if (!p || p.isEmpty()) return setError("statement.emptyPad");
    setError(null);
    signing.reset();
    const { width, height } = p.size();
    const image = p.pngBase64();
    const strokes = p.strokes;
    setLocating(true);
    try {
      // Where the phone is as the driver signs (a refusal or no fix is said so; a few seconds at most).
      const place = await phonePlace.now();
      signing.mutate({ locale: data.statement.locale, statementSha256: data.statement.sha256, imagePngBase64: image, width, height, strokes, place });
    } finally {
      setLocating(false);
    }
  };

  return (
    <section className="card statement statement-sheet" role="dialog" aria-modal="true" data-testid="statement-sign" data-sha256={data.statement.sha256} data-locale={data.statement.locale}>
      <h2>{t("statement.title")}</h2>
      <p>{t("statement.phoneIntro")}</p>
      <pre className="statement-text" data-testid="statement-text" lang={data.statement.locale}>
        {data.statement.text}
      </pre>
      <p className="muted">
        {t("statement.hash")} <code data-testid="statement-hash">{shortHash(data.statement.sha256)}</code>
      </p>
      <p className="muted">{t("statement.pad")}</p>
      <canvas ref={canvas} className="signature-pad" data-testid="signature-pad" aria-label={t("statement.pad")} />
      {problem && (
        <p className="error" role="alert" data-testid="statement-error">
          {t(problem)}
        </p>
      )}
      <div className="controls">
        <button type="button" data-testid="signature-clear" onClick={() => pad.current?.clear()} disabled={sending || empty}>
          {t("statement.clear")}
        </button>
        <button type="button" className="primary" data-testid="signature-sign" onClick={() => void sign()} disabled={sending || empty}>
          {sending ? t("statement.signing") : t("statement.sign")}
        </button>
      </div>
    </section>
  );
}
