// Builds the signed evidence package of a closed survey: copies and hashes
// every referenced file, commits to the event log, renders and signs the PDF,
// then lists everything in a signed manifest. Work happens in a staging folder
// that is renamed into place only when complete, so a failure never leaves a
// package that looks finished, and an existing package is never overwritten.
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { DEFAULT_REPORT_FONTS, reportFontsSchema, type ReportFonts } from "./cjk-font";
import { computeCompleteness, type CompletenessReport } from "./completeness-report";
import { summariseContinuity } from "./continuity-report";
import { eventLeaf, signTreeHead, type SignedTreeHead } from "./event-log-merkle";
import { type Manifest, type ManifestEntry, serialiseManifest } from "./manifest";
import { evidenceId, type PackageInput, type Place, parsePackageInput } from "./package-input";
import { FILES, type FileRole, PACKAGE_FORMAT, photoPath, recordingPath, thumbnailPath } from "./package-layout";
import { PackageWriter, type WrittenFile } from "./package-writer";
import { signPdfDocument } from "./pdf-signature";
import { composeReport, type ReportStatement, type StatementRecord, type StoredFile } from "./report-pdf";
import { STATEMENT_FORMAT } from "./statement-text";
import { IDENTITY_FORMAT, type IdentityRecord, type ReportIdentity } from "./report-identity";
import { reportStrings } from "./report-strings";
import { decideRetention, DEFAULT_RETENTION_RULES, type RetentionDecision, retentionRulesSchema } from "./retention";
import { pemBlocks } from "./signer/pem";
import type { Signer } from "./signer/signer";
import type { TimestampOutcome } from "./signer/timestamp-client";
import type { TrustedTimeRecord } from "./trusted-time";

export type BuildStage = "validate" | "media" | "event-log" | "report" | "manifest" | "finalize" | "done";

export interface BuildProgress {
  stage: BuildStage;
  /** Overall progress, 0 to 1, never decreasing. */
  fraction: number;
}

export const buildOptionsSchema = z.object({
  /** Parent folder; the package becomes <outDir>/<packageId>/ and <outDir>/<packageId>.zip. */
  outDir: z.string().min(1),
  zip: z.boolean().default(true),
  mediaFiles: z.enum(["copy", "hardlink"]).default("copy"),
  packageId: evidenceId.optional(),
  retentionRules: retentionRulesSchema.default(DEFAULT_RETENTION_RULES),
  reportFonts: reportFontsSchema.default(DEFAULT_REPORT_FONTS),
  signatureLocation: z.string().min(1).default("claims-survey server"),
  signatureContact: z.string().default(""),
});

export interface BuildOptions extends z.input<typeof buildOptionsSchema> {
  signer: Signer;
  onProgress?: (progress: BuildProgress) => void;
  /** Injected clock (tests, reproducible builds). */
  now?: () => Date;
}

export interface BuiltPackage {
  packageId: string;
  dir: string;
  zipPath?: string;
  manifestSha256: string;
  treeHead: SignedTreeHead;
  retention: RetentionDecision;
  files: ManifestEntry[];
  totalBytes: number;
  /** What the TSA gave each signature (the manifest's own outcome is only known after it is signed). */
  trustedTime: TrustedTimeRecord & { manifest?: TimestampOutcome };
}

// Share of the progress bar per stage; media dominates real builds.
const MEDIA_START = 0.02;
const MEDIA_END = 0.88;

export async function buildEvidencePackage(rawInput: unknown, options: BuildOptions): Promise<BuiltPackage> {
  const { signer, onProgress } = options;
  if (!signer || typeof signer.sign !== "function") throw new TypeError("buildEvidencePackage: options.signer is required");
  const opts = buildOptionsSchema.parse(options);
  const now = (options.now ?? (() => new Date()))();
  let last = 0;
  const progress = (stage: BuildStage, fraction: number) => {
    last = Math.max(last, Math.min(1, fraction));
    onProgress?.({ stage, fraction: last });
  };

  progress("validate", 0);
  const input = parsePackageInput(rawInput);
  const sources = await statSources(input);
  const totalMediaBytes = [...sources.values()].reduce((s, n) => s + n, 0);

  const generatedAt = now.toISOString();
  const packageId = opts.packageId ?? `${input.surveyId}.${generatedAt.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}`;
  const finalDir = path.join(opts.outDir, packageId);
  const finalZip = opts.zip ? `${finalDir}.zip` : undefined;
  for (const p of [finalDir, finalZip]) if (p && (await exists(p))) throw new Error(`evidence package ${p} already exists; refusing to overwrite it`);
  await fs.mkdir(opts.outDir, { recursive: true });
  const stagingDir = path.join(opts.outDir, `.${packageId}.partial`);
  const stagingZip = finalZip ? `${stagingDir}.zip` : undefined;
  await fs.rm(stagingDir, { recursive: true, force: true });
  if (stagingZip) await fs.rm(stagingZip, { force: true });
  await fs.mkdir(stagingDir, { recursive: true });
  progress("validate", MEDIA_START);

  let copied = 0;
  const writer = new PackageWriter({
    stagingDir,
    zipPath: stagingZip,
    mtime: now,
    mediaFiles: opts.mediaFiles,
    onBytes: (n) => {
      copied += n;
      if (totalMediaBytes > 0) progress("media", MEDIA_START + ((MEDIA_END - MEDIA_START) * copied) / totalMediaBytes);
    },
  });

  try {
    const entries: ManifestEntry[] = [];
    const add = (f: WrittenFile, role: FileRole, mediaType: string, ref?: string, place?: Place) =>
      entries.push({ path: f.path, size: f.size, sha256: f.sha256, mediaType, role, surveyId: input.surveyId, ...(ref ? { ref } : {}), ...(place ? { place } : {}) });

    const captureFiles: Record<string, StoredFile> = {};
    const thumbnailFiles: Record<string, StoredFile> = {};
    const thumbnails: Record<string, Buffer> = {};
    for (const c of input.captures) {
      const photo = await writer.addFile(photoPath(c.id, c.mediaType, c.originalPath), c.originalPath);
      add(photo, "photo", c.mediaType, c.id, c.place);
      captureFiles[c.id] = stored(photo);
      const thumb = await writer.addFile(thumbnailPath(c.id, c.thumbnailMediaType, c.thumbnailPath), c.thumbnailPath, true);
      add(thumb, "thumbnail", c.thumbnailMediaType, c.id);
      thumbnailFiles[c.id] = stored(thumb);
      thumbnails[c.id] = thumb.bytes!;
    }
    const recordingFiles: Record<string, StoredFile> = {};
    for (const r of input.recordings) {
      const rec = await writer.addFile(recordingPath(r.id, r.mediaType, r.path), r.path);
      add(rec, "recording", r.mediaType, r.id);
      recordingFiles[r.id] = stored(rec);
    }
    progress("event-log", MEDIA_END);

    // A TSA that fails leaves a signature without a token, never a lost package; the record says which.
    const trustedTime: TrustedTimeRecord = { authority: signer.timestampAuthority ?? null };
    const leaves = input.events.map((e) => eventLeaf(input.surveyId, e));
    const treeHead = await signTreeHead(signer, input.surveyId, leaves, now, (o) => (trustedTime.eventTreeHead = o));
    add(await writer.addBuffer(FILES.events, Buffer.concat(leaves.flatMap((l) => [l, Buffer.from("\n")]))), "events", "application/jsonl");
    add(await writer.addBuffer(FILES.treeHead, jsonBytes(treeHead)), "event-tree-head", "application/json");
    add(await writer.addBuffer(FILES.chat, jsonBytes({ surveyId: input.surveyId, messages: input.chat })), "chat", "application/json");
    const statement = input.statement ? await writeStatement(writer, input, add) : undefined;
    const identity = input.identity ? await writeIdentity(writer, input, add) : undefined;

    const retention = decideRetention(input.retention, opts.retentionRules);
    const completeness = computeCompleteness(input);
    add(
      await writer.addBuffer(FILES.survey, jsonBytes(surveyRecord(input, captureFiles, thumbnailFiles, recordingFiles, retention, completeness, statement?.record))),
      "survey",
      "application/json",
    );
    const certPem = signer.certificateChainPem();
    add(await writer.addBuffer(FILES.certificate, Buffer.from(certPem)), "certificate", "application/x-pem-file");
    progress("report", 0.9);

    const s = reportStrings(input.locale);
    const doc = await composeReport(
      {
        input,
        packageId,
        generatedAt,
        signerKeyId: signer.keyId,
        signerCertificateSha256: createHash("sha256").update(pemBlocks(certPem, "CERTIFICATE")[0]!).digest("hex"),
        eventLog: { treeSize: treeHead.treeSize, rootHash: treeHead.rootHash },
        retention,
        completeness,
        trustedTime: { ...trustedTime },
        captureFiles,
        recordingFiles,
        thumbnails,
        statement,
        identity,
      },
      opts.reportFonts as ReportFonts,
    );
    const pdf = await signPdfDocument(doc, signer, {
      reason: `${s.title}: ${input.surveyId}`,
      name: "claims-survey evidence",
      location: opts.signatureLocation,
      contactInfo: opts.signatureContact,
      signingTime: now,
      onTimestamp: (o) => (trustedTime.report = o),
    });
    add(await writer.addBuffer(FILES.report, pdf), "report", "application/pdf");
    progress("manifest", 0.96);

    const certDer = pemBlocks(certPem, "CERTIFICATE")[0]!;
    const manifest: Manifest = {
      format: PACKAGE_FORMAT,
      packageId,
      surveyId: input.surveyId,
      claimId: input.claimId,
      policyNumber: input.policyNumber,
      generatedAt,
      softwareVersion: input.softwareVersion,
      qualityModelSha256: input.qualityModelSha256,
      signer: { keyId: signer.keyId, certificateSha256: createHash("sha256").update(certDer).digest("hex") },
      eventLog: { treeSize: treeHead.treeSize, rootHash: treeHead.rootHash, treeHeadTimestamp: treeHead.timestamp },
      retention: {
        retainUntil: retention.retainUntil,
        rule: retention.rule,
        explanation: retention.explanation,
        legalHoldAtPackaging: retention.legalHold,
      },
      files: entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
      trustedTime,
    };
    const manifestBytes = serialiseManifest(manifest);
    await writer.addBuffer(FILES.manifest, manifestBytes);
    let manifestTimestamp: TimestampOutcome | undefined;
    await writer.addBuffer(FILES.manifestSignature, await signer.sign(manifestBytes, { signingTime: now, onTimestamp: (o) => (manifestTimestamp = o) }));
    progress("finalize", 0.98);

    await writer.finish();
    await fs.rename(stagingDir, finalDir);
    if (stagingZip && finalZip) await fs.rename(stagingZip, finalZip);
    progress("done", 1);
    return {
      packageId,
      dir: finalDir,
      zipPath: finalZip,
      manifestSha256: createHash("sha256").update(manifestBytes).digest("hex"),
      treeHead,
      retention,
      files: manifest.files,
      totalBytes: manifest.files.reduce((sum, f) => sum + f.size, 0),
      trustedTime: { ...trustedTime, ...(manifestTimestamp ? { manifest: manifestTimestamp } : {}) },
    };
  } catch (err) {
    writer.abort();
    await fs.rm(stagingDir, { recursive: true, force: true });
    if (stagingZip) await fs.rm(stagingZip, { force: true });
    throw err;
  }
}

/** Every referenced file must exist and be a regular file before anything is written. */
async function statSources(input: PackageInput): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  const problems: string[] = [];
  const refs: [string, string][] = [
    ...input.captures.flatMap((c): [string, string][] => [
      [`captures.${c.id}.originalPath`, c.originalPath],
      [`captures.${c.id}.thumbnailPath`, c.thumbnailPath],
    ]),
    ...input.recordings.map((r): [string, string] => [`recordings.${r.id}.path`, r.path]),
  ];
  for (const [where, file] of refs) {
    try {
      const st = await fs.stat(file);
      if (!st.isFile()) problems.push(`${where}: ${file} is not a regular file`);
      else sizes.set(`${where}`, st.size);
    } catch (err) {
      problems.push(`${where}: ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  if (problems.length) throw new PackageSourcesMissingError(problems);
  return sizes;
}

/** survey.json: the structured record, with package paths and hashes instead of server paths. */
function surveyRecord(
  input: PackageInput,
  captures: Record<string, StoredFile>,
  thumbnails: Record<string, StoredFile>,
  recordings: Record<string, StoredFile>,
  retention: RetentionDecision,
  completeness: CompletenessReport,
  statement: StatementRecord | undefined,
) {
  return {
    surveyId: input.surveyId,
    claimId: input.claimId,
    policyNumber: input.policyNumber,
    plate: input.plate,
    claimType: input.claimType,
    locale: input.locale,
    timeZone: input.timeZone ?? null,
    openedAt: input.openedAt,
    closedAt: input.closedAt,
    participants: input.participants,
    consents: input.consents,
    captures: input.captures.map(({ originalPath: _o, thumbnailPath: _t, ...c }) => ({
      ...c,
      file: captures[c.id],
      thumbnail: thumbnails[c.id],
    })),
    recordings: input.recordings.map(({ path: _p, ...r }) => ({ ...r, file: recordings[r.id], continuitySummary: summariseContinuity({ ...r, path: _p }) })),
    retention: { ...input.retention, decision: retention },
    // The builder's claim; the verifier recomputes it from this file and events.jsonl and compares.
    completeness,
    softwareVersion: input.softwareVersion,
    qualityModelSha256: input.qualityModelSha256,
    ...(statement ? { statement } : {}),
  };
}

/**
 * statement/: the text exactly as signed, the pad's PNG, the strokes as the
 * phone sent them, and statement.json tying them to the hash the driver signed
 * and to the confirmations. The verifier recomputes the text's hash from the
 * file and compares it with statement.json and the signed timeline.
 */
async function writeStatement(
  writer: PackageWriter,
  input: PackageInput,
  add: (f: WrittenFile, role: FileRole, mediaType: string, ref?: string, place?: Place) => void,
): Promise<ReportStatement> {
  const st = input.statement!;
  const text = await writer.addBuffer(FILES.statement, Buffer.from(st.text, "utf8"));
  add(text, "statement", "text/plain; charset=utf-8");
  const image = await writer.addBuffer(FILES.signatureImage, Buffer.from(st.imagePngBase64, "base64"));
  add(image, "signature-image", "image/png", undefined, st.place);
  const strokes = await writer.addBuffer(FILES.signatureStrokes, Buffer.from(st.strokesJson, "utf8"));
  add(strokes, "signature-strokes", "application/json");
  const record: StatementRecord = {
    format: STATEMENT_FORMAT,
    surveyId: input.surveyId,
    locale: st.locale,
    signedStatementSha256: st.sha256,
    signedAt: st.signedAt,
    signedBy: st.signedBy,
    text: stored(text),
    image: stored(image),
    strokes: stored(strokes),
    confirmations: st.confirmations,
    ...(st.place ? { place: st.place } : {}),
  };
  add(await writer.addBuffer(FILES.statementRecord, jsonBytes(record)), "statement-record", "application/json");
  return { record, text: st.text, imageBytes: Buffer.from(st.imagePngBase64, "base64") };
}

/**
 * identity/: the portrait cut from the card front (its hash is the one the
 * identity.read event records) and identity.json tying the card, face and
 * portrait files to what was read and attested.
 */
async function writeIdentity(
  writer: PackageWriter,
  input: PackageInput,
  add: (f: WrittenFile, role: FileRole, mediaType: string, ref?: string) => void,
): Promise<ReportIdentity> {
  const id = input.identity!;
  const portraitBytes = id.portraitJpegBase64 ? Buffer.from(id.portraitJpegBase64, "base64") : null;
  let portrait: StoredFile | null = null;
  if (portraitBytes) {
    const f = await writer.addBuffer(FILES.identityPortrait, portraitBytes);
    add(f, "identity-portrait", "image/jpeg");
    portrait = stored(f);
  }
  const record: IdentityRecord = { format: IDENTITY_FORMAT, surveyId: input.surveyId, shots: id.shots, reading: id.reading, portrait, attestation: id.attestation };
  add(await writer.addBuffer(FILES.identityRecord, jsonBytes(record)), "identity-record", "application/json");
  return { record, portraitBytes };
}

const stored = ({ path, size, sha256 }: WrittenFile): StoredFile => ({ path, size, sha256 });

function jsonBytes(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`, "utf8");
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

/** Files the package must contain are gone from storage. */
export class PackageSourcesMissingError extends Error {
  constructor(readonly problems: string[]) {
    super(`evidence package sources are missing:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "PackageSourcesMissingError";
  }
}
