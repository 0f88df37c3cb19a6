"use client";
// The certificate that signed a package, for the auditor: its SHA-256 (to
// compare with the fingerprint the insurer publishes) and the PEM file itself
// (to pin with `claims-survey verify --trust`). The download is logged.
import { useState } from "react";
import { trpc } from "../../_lib/trpc-client";
import { useI18n } from "../../_i18n/i18n-provider";

export function SignerCertificate({ surveyId, sha256 }: { surveyId: string; sha256: string }) {
  const { t } = useI18n();
  const [failed, setFailed] = useState(false);
  const download = () => {
    setFailed(false);
    trpc.audit.certificate.query({ surveyId }).then(
      (cert) => {
        const url = URL.createObjectURL(new Blob([cert.pem], { type: "application/x-pem-file" }));
        const a = document.createElement("a");
        a.href = url;
        a.download = cert.fileName;
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
      },
      () => setFailed(true),
    );
  };
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
        <button type="button" data-testid="signer-cert-download" onClick={download}>
          {t("evidence.downloadCert")}
        </button>
        {failed && <span className="banner warn">{t("job.failure.internal")}</span>}
      </p>
    </div>
  );
}
