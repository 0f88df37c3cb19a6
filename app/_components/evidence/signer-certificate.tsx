"use client";
// The certificate that signed a package, for the auditor: its SHA-256 (to
// compare with the fingerprint the insurer publishes) and the PEM file itself
// (to pin with `claims-survey verify --trust`). The download is logged.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "../../_lib/trpc-react";
import { useI18n } from "../../_i18n/i18n-provider";

export function SignerCertificate({ surveyId, sha256 }: { surveyId: string; sha256: string }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Asked on each click (staleTime 0: never an earlier answer from the cache), so each download is logged.
  const download = useMutation({
    mutationFn: () => queryClient.fetchQuery(trpc.audit.certificate.queryOptions({ surveyId })),
    onSuccess: (cert) => {
      const url = URL.createObjectURL(new Blob([cert.pem], { type: "application/x-pem-file" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = cert.fileName;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    },
  });
  return (
    <div data-testid="signer-certificate">
      <p>
        {t("evidence.signerCert")}:{" "}
        <span className="mono" data-testid="signer-cert-sha" style={{ wordBreak: "break-all" }}>
          {sha256}
        </span>
      </p>
      <p className="muted">{t("evidence.certHint")}</p>
      <p>
        <button type="button" data-testid="signer-cert-download" onClick={() => download.mutate()}>
          {t("evidence.downloadCert")}
        </button>
        {download.isError && <span className="banner warn">{t("job.failure.internal")}</span>}
      </p>
    </div>
  );
}
