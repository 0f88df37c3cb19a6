// manifest.json: the list of every file in the package with its SHA-256, plus
// the identifiers that bind the package to one survey. Its detached signature
// (manifest.sig) is what makes the whole package tamper-evident.
import { z } from "zod";
import { FILE_ROLES, PACKAGE_FORMAT } from "./package-layout";
import { trustedTimeRecordSchema } from "./trusted-time";

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

export const manifestEntrySchema = z.object({
  path: z.string().regex(/^(?:[A-Za-z0-9._-]+\/)*[A-Za-z0-9._-]+$/, "must be a relative path without '..'").refine((p) => !p.split("/").includes(".."), "must not contain '..'"),
  size: z.number().int().nonnegative(),
  sha256: sha256Hex,
  mediaType: z.string(),
  role: z.enum(FILE_ROLES),
  /** Every file names the survey it belongs to, so a file from another survey cannot pass as this one's. */
  surveyId: z.string(),
  /** The capture or recording id this file belongs to, if any. */
  ref: z.string().optional(),
  /** A photo or the signature: where the driver's phone was when it was made, or why that is unknown (package-input.ts placeSchema). */
  place: z
    .union([
      z.object({ status: z.literal("fix"), lat: z.number(), lon: z.number(), accuracyM: z.number().optional(), at: z.string().optional() }),
      z.object({ status: z.enum(["refused", "unavailable", "unanswered"]) }),
    ])
    .optional(),
});

export const manifestSchema = z.object({
  format: z.literal(PACKAGE_FORMAT),
  packageId: z.string(),
  surveyId: z.string(),
  claimId: z.string(),
  policyNumber: z.string(),
  generatedAt: z.iso.datetime(),
  softwareVersion: z.string(),
  qualityModelSha256: sha256Hex,
  signer: z.object({ keyId: z.string(), certificateSha256: sha256Hex }),
  eventLog: z.object({ treeSize: z.number().int().nonnegative(), rootHash: sha256Hex, treeHeadTimestamp: z.iso.datetime() }),
  retention: z.object({
    retainUntil: z.iso.date(),
    rule: z.string(),
    explanation: z.string(),
    legalHoldAtPackaging: z.boolean(),
  }),
  files: z.array(manifestEntrySchema),
  /** RFC 3161 timestamping as it happened while building (absent in packages from before it existed). */
  trustedTime: trustedTimeRecordSchema.optional(),
});

export type ManifestEntry = z.infer<typeof manifestEntrySchema>;
export type Manifest = z.infer<typeof manifestSchema>;

/** The manifest's bytes as written and signed. */
export function serialiseManifest(manifest: Manifest): Buffer {
  return Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, "utf8");
}
