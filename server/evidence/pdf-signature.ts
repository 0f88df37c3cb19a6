// Signs the report as a PDF signature (PAdES baseline B: ETSI.CAdES.detached,
// signing-certificate-v2, no signingTime attribute), so any PDF reader shows
// whether the file changed since it was signed.
import { pdflibAddPlaceholder } from "@signpdf/placeholder-pdf-lib";
import { SignPdf, Signer as SignPdfSigner } from "@signpdf/signpdf";
import type { PDFDocument } from "pdf-lib";
import type { SignOptions, Signer } from "./signer/signer";

/** Room for the CMS in the PDF; a TSA token with its certificate chain needs several KB. */
export const PDF_SIGNATURE_BYTES = 16_384;

class EvidencePdfSigner extends SignPdfSigner {
  constructor(
    private readonly signer: Signer,
    private readonly onTimestamp?: SignOptions["onTimestamp"],
  ) {
    super();
  }
  async sign(data: Buffer, signingTime?: Date): Promise<Buffer> {
    return this.signer.sign(data, { profile: "pades", signingTime, onTimestamp: this.onTimestamp });
  }
}

export interface PdfSignatureInfo {
  reason: string;
  name: string;
  location: string;
  contactInfo: string;
  signingTime: Date;
  /** Told whether the TSA stamped the PDF signature (PAdES-T) or why not. */
  onTimestamp?: SignOptions["onTimestamp"];
}

export async function signPdfDocument(doc: PDFDocument, signer: Signer, info: PdfSignatureInfo): Promise<Buffer> {
  pdflibAddPlaceholder({
    pdfDoc: doc,
    reason: info.reason,
    name: info.name,
    location: info.location,
    contactInfo: info.contactInfo,
    signingTime: info.signingTime,
    signatureLength: PDF_SIGNATURE_BYTES,
    subFilter: "ETSI.CAdES.detached",
    appName: "claims-survey",
  });
  const unsigned = Buffer.from(await doc.save({ useObjectStreams: false }));
  return new SignPdf().sign(unsigned, new EvidencePdfSigner(signer, info.onTimestamp), info.signingTime);
}
