// What the package says about trusted time: which authority was asked and what
// each timestamp request gave. The tokens themselves sit inside the signatures
// (manifest.sig, the tree head's signature, the PDF's /Contents); this record,
// inside the signed manifest, keeps the nonce of each token obtained before the
// manifest was signed and the reason a token is missing, so a package built
// while the TSA was down says so instead of looking as if none was configured.
import { z } from "zod";

export const timestampOutcomeSchema = z.discriminatedUnion("status", [
  z.object({ status: z.literal("stamped"), genTime: z.iso.datetime(), nonce: z.string().regex(/^[0-9a-f]+$/), tsaSubject: z.string() }),
  z.object({ status: z.literal("failed"), reason: z.string() }),
]);

export const trustedTimeRecordSchema = z.object({
  /** The TSA asked (its URL without credentials); null: none configured, every time is the server's own. */
  authority: z.string().nullable(),
  eventTreeHead: timestampOutcomeSchema.optional(),
  report: timestampOutcomeSchema.optional(),
});
export type TrustedTimeRecord = z.infer<typeof trustedTimeRecordSchema>;

/** The signatures of a package that can carry a token, by the file each lives in. */
export const STAMPED_SIGNATURES = ["manifest.sig", "event-tree-head.json", "report.pdf"] as const;
export type StampedSignature = (typeof STAMPED_SIGNATURES)[number];
