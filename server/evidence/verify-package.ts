// The offline verifier. Given a package folder or .zip and nothing else (no
// server, no network), it re-derives every hash and signature and reports each
// discrepancy with the file it concerns, the check that failed, and the
// expected and actual values.
import { createHash, X509Certificate } from "node:crypto";
import { PDFDocument } from "pdf-lib";
import { canonicalJson } from "./canonical-json";
import { type CompletenessReport, completenessFromPackageFiles, COMPLETENESS_ALGORITHM, unknownCompleteness } from "./completeness-report";
import { checkTreeHeadSignature, merkleRoot, signedTreeHeadSchema, type SignedTreeHead } from "./event-log-merkle";
import { type Manifest, manifestSchema } from "./manifest";
import { FILES, UNLISTED } from "./package-layout";
import { openPackageSource, type PackageSource } from "./package-source";
import { ParallelHasher } from "./parallel-hasher";
import { verifyPdfSignature } from "./pdf-signature-verify";
import { type CmsVerification, verifyCms } from "./signer/cms-verify";
import { pemBlocks } from "./signer/pem";
import type { TimestampCheckOptions } from "./signer/timestamp-verify";
import type { StampedSignature } from "./trusted-time";
import { assessTrustedTime, timestampCheckOptions, type TrustedTimeResult } from "./verify-trusted-time";
import { type StatementVerification, verifyStatement } from "./verify-statement";
import { type IdentityVerification, verifyIdentity } from "./verify-identity";

export const CHECKS = [
  "package-readable",
  "manifest",
  "manifest-signature",
  "signer-certificate",
  "file-missing",
  "file-extra",
  "file-type",
  "file-size",
  "file-hash",
  "tree-head-signature",
  "event-log",
  "pdf-byterange",
  "pdf-signature",
  "pdf-content",
  "survey-binding",
  "consistency",
  "trusted-time",
  "statement",
  "identity",
] as const;
export type CheckId = (typeof CHECKS)[number];

export interface VerifyFailure {
  /** Package-relative path of the file concerned ("" for the package as a whole). */
  path: string;
  check: CheckId;
  message: string;
  expected?: string;
  actual?: string;
}

export interface VerifyResult {
  ok: boolean;
  location: string;
  kind?: "folder" | "zip";
  packageId?: string;
  surveyId?: string;
  signer?: { subject: string; certificateSha256: string; pinned: boolean };
  eventLog?: { treeSize: number; rootHash: string };
  filesChecked: number;
  bytesHashed: number;
  checks: Record<CheckId, "pass" | "fail" | "not-run">;
  failures: VerifyFailure[];
  /**
   * Whether everything that should have been recorded was, recomputed from the
   * signed survey.json and events.jsonl. Separate from `ok` (integrity): a
   * package can be intact and its survey incompletely recorded.
   */
  completeness: CompletenessReport;
  /** Which signatures carry an RFC 3161 timestamp and the time each proves; otherwise the times are the server's own. */
  trustedTime?: TrustedTimeResult;
  /** The driver's signed statement: its text's hash against the one signed on the timeline. */
  statement?: StatementVerification;
  /** The identity check: what was read and attested, against the signed timeline and the photo files. */
  identity?: IdentityVerification;
}

export interface VerifyOptions {
  /** The insurer's published signing certificate; without it the package's own certificate is the anchor. */
  trustedCertificatePem?: string;
  /**
   * Certificates trusted for time stamping (PEM, one or more: a TSA's certificate or the CA above it).
   * With them every signature must carry a token chaining to one; without them token times are reported as unproven.
   */
  trustedTsaCertificatesPem?: string;
  /** Fail unless the package is for this survey. */
  expectedSurveyId?: string;
  /** Worker threads hashing files in parallel; 1 hashes on the calling thread. */
  hashThreads?: number;
}

/** Files the verifier parses as well as hashes; read whole, once. */
const PARSED = new Set<string>([
  FILES.manifest,
  FILES.manifestSignature,
  FILES.certificate,
  FILES.report,
  FILES.survey,
  FILES.chat,
  FILES.events,
  FILES.treeHead,
  FILES.statement,
  FILES.statementRecord,
  FILES.signatureImage,
  FILES.identityRecord,
  FILES.identityPortrait,
]);

export async function verifyEvidencePackage(location: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const result: VerifyResult = {
    ok: false,
    location,
    filesChecked: 0,
    bytesHashed: 0,
    checks: Object.fromEntries(CHECKS.map((c) => [c, "not-run"])) as VerifyResult["checks"],
    failures: [],
    completeness: unknownCompleteness("no-survey-record"),
  };
  const ran = (check: CheckId) => {
    if (result.checks[check] === "not-run") result.checks[check] = "pass";
  };
  const fail = (f: VerifyFailure) => {
    result.failures.push(f);
    result.checks[f.check] = "fail";
  };

  let source: PackageSource;
  try {
    source = await openPackageSource(location);
  } catch (err) {
    fail({ path: "", check: "package-readable", message: `cannot open package: ${(err as Error).message}` });
    return result;
  }
  ran("package-readable");
  result.kind = source.kind;
  const hasher = new ParallelHasher(options.hashThreads);
  try {
    await verifyContents(source, options, hasher, result, ran, fail);
  } catch (err) {
    fail({ path: "", check: "package-readable", message: `verification stopped: ${(err as Error).message}` });
  } finally {
    await source.close();
    await hasher.close();
  }
  result.ok = result.failures.length === 0;
  return result;
}

async function verifyContents(
  source: PackageSource,
  options: VerifyOptions,
  hasher: ParallelHasher,
  result: VerifyResult,
  ran: (c: CheckId) => void,
  fail: (f: VerifyFailure) => void,
): Promise<void> {
  const present = new Map(source.entries.map((e) => [e.path, e]));
  const whole = new Map<string, Buffer>();
  for (const name of PARSED) {
    if (present.get(name)?.regular) {
      try {
        whole.set(name, await source.read(name));
      } catch (err) {
        fail({ path: name, check: "package-readable", message: `cannot read: ${(err as Error).message}` });
      }
    }
  }

  // --- File inventory that does not need the manifest.
  for (const e of source.entries) if (!e.regular) fail({ path: e.path, check: "file-type", message: "not a regular file (symlink or device)" });
  for (const d of source.duplicates) fail({ path: d, check: "file-extra", message: "appears more than once in the zip" });
  ran("file-type");
  for (const name of [FILES.manifest, FILES.manifestSignature]) {
    if (!present.has(name)) fail({ path: name, check: "file-missing", message: "required file is missing" });
  }

  // --- Manifest.
  const manifestBytes = whole.get(FILES.manifest);
  let manifest: Manifest | undefined;
  if (manifestBytes) {
    try {
      const parsed = manifestSchema.safeParse(JSON.parse(manifestBytes.toString("utf8")));
      if (parsed.success) manifest = parsed.data;
      else fail({ path: FILES.manifest, check: "manifest", message: `not a valid manifest: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}` });
    } catch (err) {
      fail({ path: FILES.manifest, check: "manifest", message: `not valid JSON: ${(err as Error).message}` });
    }
  }
  if (manifest) {
    ran("manifest");
    result.packageId = manifest.packageId;
    result.surveyId = manifest.surveyId;
    const seen = new Set<string>();
    for (const f of manifest.files) {
      if (seen.has(f.path)) fail({ path: FILES.manifest, check: "manifest", message: `lists ${f.path} twice` });
      seen.add(f.path);
    }
  }

  // --- Trust anchor and manifest signature.
  const pinned = options.trustedCertificatePem ? pemBlocks(options.trustedCertificatePem, "CERTIFICATE")[0] : undefined;
  if (options.trustedCertificatePem && !pinned) throw new Error("the trusted certificate given is not a PEM certificate");
  let pemCert: Buffer | undefined;
  const pem = whole.get(FILES.certificate);
  if (pem) {
    try {
      pemCert = pemBlocks(pem.toString("latin1"), "CERTIFICATE")[0];
      if (!pemCert) throw new Error("no CERTIFICATE block");
      new X509Certificate(pemCert);
    } catch (err) {
      pemCert = undefined;
      fail({ path: FILES.certificate, check: "signer-certificate", message: `cannot parse certificate: ${(err as Error).message}` });
    }
  }
  const tsaTrust = options.trustedTsaCertificatesPem === undefined ? undefined : pemBlocks(options.trustedTsaCertificatesPem, "CERTIFICATE");
  if (tsaTrust && tsaTrust.length === 0) throw new Error("the trusted TSA certificate given is not a PEM certificate");
  const timestampOptions = (file: StampedSignature) => timestampCheckOptions(file, manifest?.trustedTime, tsaTrust);
  const signatures: Partial<Record<StampedSignature, CmsVerification>> = {};
  const sig = whole.get(FILES.manifestSignature);
  let anchor = pinned;
  if (sig && manifestBytes) {
    const v = verifyCms(sig, { detachedContent: manifestBytes, expectedCertificateDer: pinned, timestamp: timestampOptions(FILES.manifestSignature) });
    signatures[FILES.manifestSignature] = v;
    for (const p of v.problems) {
      if (p.blame === "timestamp") fail({ path: FILES.manifestSignature, check: "trusted-time", message: p.message });
      else fail({ path: p.blame === "content" ? FILES.manifest : FILES.manifestSignature, check: "manifest-signature", message: p.message });
    }
    ran("manifest-signature");
    if (!anchor && v.signerCertificateDer && !v.problems.some((p) => p.blame === "signature")) anchor = v.signerCertificateDer;
  }
  anchor ??= pemCert;
  if (anchor) {
    const cert = new X509Certificate(anchor);
    const fingerprint = sha256Hex(anchor);
    result.signer = { subject: cert.subject.replace(/\n/g, ", "), certificateSha256: fingerprint, pinned: Boolean(pinned) };
    if (pemCert && !pemCert.equals(anchor)) {
      fail({
        path: FILES.certificate,
        check: "signer-certificate",
        message: pinned ? "is not the trusted certificate" : "is not the certificate that signed the manifest",
        expected: fingerprint,
        actual: sha256Hex(pemCert),
      });
    }
    if (manifest && manifest.signer.certificateSha256 !== fingerprint) {
      fail({ path: FILES.manifest, check: "signer-certificate", message: "names a different signing certificate", expected: fingerprint, actual: manifest.signer.certificateSha256 });
    }
    ran("signer-certificate");
  }

  // --- Every listed file: present, same size, same SHA-256; nothing unlisted.
  // Against a manifest that failed its signature these comparisons still run
  // (they say what differs), but each says it may be the manifest that lies.
  const caveat = result.checks["manifest-signature"] === "pass" ? "" : " (the manifest itself failed its signature check)";
  if (manifest) {
    const listed = new Map(manifest.files.map((f) => [f.path, f]));
    // Start every large file's hash at once (largest first, so the threads end
    // together); results are read below in manifest order.
    const hashes = new Map<string, Promise<{ sha256: string; size: number }>>();
    for (const f of [...manifest.files].sort((x, y) => y.size - x.size)) {
      if (whole.has(f.path) || !present.get(f.path)?.regular) continue;
      const p = source.locate(f.path).then((target) => (target ? hasher.hash(target) : source.hash(f.path)));
      p.catch(() => undefined);
      hashes.set(f.path, p);
    }
    for (const f of manifest.files) {
      const entry = present.get(f.path);
      if (!entry) {
        fail({ path: f.path, check: "file-missing", message: `listed in the manifest but not in the package${caveat}`, expected: f.sha256 });
        continue;
      }
      if (!entry.regular) continue;
      let actual: { sha256: string; size: number };
      const bytes = whole.get(f.path);
      try {
        actual = bytes ? { sha256: sha256Hex(bytes), size: bytes.length } : await hashes.get(f.path)!;
      } catch (err) {
        fail({ path: f.path, check: "package-readable", message: `cannot read: ${(err as Error).message}` });
        continue;
      }
      result.filesChecked++;
      result.bytesHashed += actual.size;
      if (actual.size !== f.size) fail({ path: f.path, check: "file-size", message: `size differs from the manifest${caveat}`, expected: String(f.size), actual: String(actual.size) });
      if (actual.sha256 !== f.sha256) fail({ path: f.path, check: "file-hash", message: `SHA-256 differs from the manifest${caveat}`, expected: f.sha256, actual: actual.sha256 });
    }
    ran("file-missing");
    ran("file-size");
    ran("file-hash");
    for (const e of source.entries) {
      if (!listed.has(e.path) && !UNLISTED.has(e.path)) fail({ path: e.path, check: "file-extra", message: `in the package but not listed in the manifest${caveat}` });
    }
    ran("file-extra");
    for (const required of [FILES.report, FILES.events, FILES.treeHead, FILES.chat, FILES.survey, FILES.certificate]) {
      if (!listed.has(required)) fail({ path: required, check: "manifest", message: "required file is not listed in the manifest" });
    }
  }

  const surveyId = options.expectedSurveyId ?? manifest?.surveyId;
  if (options.expectedSurveyId && manifest && manifest.surveyId !== options.expectedSurveyId) {
    fail({ path: FILES.manifest, check: "survey-binding", message: "package is for another survey", expected: options.expectedSurveyId, actual: manifest.surveyId });
  }
  const bind = (file: string, found: unknown, what = "belongs to another survey") => {
    if (surveyId !== undefined && found !== surveyId) fail({ path: file, check: "survey-binding", message: what, expected: surveyId, actual: String(found) });
  };
  if (manifest) for (const f of manifest.files) bind(f.path, f.surveyId, "manifest entry names another survey");

  // --- Event log against the signed tree head.
  const treeHeadCms = verifyEventLog(whole, manifest, anchor, timestampOptions(FILES.treeHead), bind, ran, fail, result);
  if (treeHeadCms) signatures[FILES.treeHead] = treeHeadCms;

  // --- PDF report signature and its survey.
  const pdf = whole.get(FILES.report);
  if (pdf) {
    const v = verifyPdfSignature(pdf, anchor, timestampOptions(FILES.report));
    if (v.cms) signatures[FILES.report] = v.cms;
    for (const p of v.problems) fail({ path: FILES.report, check: p.check, message: p.message, expected: p.expected, actual: p.actual });
    ran("pdf-byterange");
    ran("pdf-signature");
    ran("pdf-content");
    try {
      const doc = await PDFDocument.load(pdf, { updateMetadata: false });
      bind(FILES.report, doc.getSubject(), "report is about another survey");
    } catch (err) {
      fail({ path: FILES.report, check: "pdf-content", message: `cannot be read as a PDF: ${(err as Error).message}` });
    }
  } else if (!manifest) {
    fail({ path: FILES.report, check: "file-missing", message: "required file is missing" });
  }

  // --- chat.json and survey.json name the survey and agree with the manifest.
  const chat = parseJson(whole, FILES.chat, fail);
  if (chat) bind(FILES.chat, (chat as { surveyId?: unknown }).surveyId);
  const survey = parseJson(whole, FILES.survey, fail) as SurveyRecord | undefined;
  if (survey) {
    bind(FILES.survey, survey.surveyId);
    if (manifest) checkSurveyRecord(survey, manifest, fail);
  }
  result.completeness = recomputeCompleteness(whole, survey, result, fail);
  if (manifest) {
    result.statement = verifyStatement(whole, new Set(manifest.files.map((f) => f.path)), (p) => fail({ ...p, check: "statement" }));
    ran("statement");
    result.identity = verifyIdentity(whole, manifest.files, (p) => fail({ ...p, check: "identity" }));
    ran("identity");
  }
  if (survey) ran("consistency");
  ran("survey-binding");

  result.trustedTime = assessTrustedTime(
    signatures,
    manifest?.trustedTime,
    tsaTrust ? { subjects: tsaTrust.map((d) => new X509Certificate(d).subject.replace(/\n/g, ", ")) } : undefined,
    (f) => fail({ path: f.path, check: "trusted-time", message: f.message }),
  );
  // Passes with no token at all (nothing is wrong; the TRUSTED TIME block says the times are the server's own).
  ran("trusted-time");
}

/** Files completeness is computed from, or that vouch for them. */
const COMPLETENESS_SOURCES = new Set<string>([FILES.survey, FILES.events, FILES.treeHead, FILES.manifest, FILES.manifestSignature, FILES.certificate]);

/**
 * Completeness from the package's own data, never from its stored claim: only
 * when those files passed every check. A claim stored in survey.json under the
 * same algorithm must agree with the recomputation (a re-signed package with an
 * edited claim is caught here; an edit without re-signing already failed).
 */
function recomputeCompleteness(whole: Map<string, Buffer>, survey: SurveyRecord | undefined, result: VerifyResult, fail: (f: VerifyFailure) => void): CompletenessReport {
  // A timestamp problem says nothing about whether the signed files changed.
  const integrity = result.failures.filter((f) => f.check !== "trusted-time");
  if (integrity.some((f) => f.path === "" || COMPLETENESS_SOURCES.has(f.path)) || result.checks["manifest-signature"] !== "pass") {
    return unknownCompleteness("integrity-failed");
  }
  const events = whole.get(FILES.events);
  if (!survey || !events) return unknownCompleteness("no-survey-record");
  const recomputed = completenessFromPackageFiles(survey, events);
  const claim = survey.completeness;
  if (claim && typeof claim === "object" && (claim as { algorithm?: unknown }).algorithm === COMPLETENESS_ALGORITHM && canonicalJson(claim) !== canonicalJson(recomputed)) {
    fail({
      path: FILES.survey,
      check: "consistency",
      message: "the completeness stated in survey.json differs from the completeness recomputed from the timeline and continuity logs",
      expected: recomputed.summary,
      actual: String((claim as { summary?: unknown }).summary),
    });
  }
  return recomputed;
}

interface SurveyRecord {
  surveyId?: unknown;
  completeness?: unknown;
  captures?: { id: string; file?: { path: string; sha256: string }; thumbnail?: { path: string; sha256: string } }[];
  recordings?: { id: string; file?: { path: string; sha256: string } }[];
}

function checkSurveyRecord(survey: SurveyRecord, manifest: Manifest, fail: (f: VerifyFailure) => void): void {
  const byPath = new Map(manifest.files.map((f) => [f.path, f]));
  const referenced = new Set<string>();
  const check = (ref: { path: string; sha256: string } | undefined, id: string, role: string) => {
    if (!ref) return fail({ path: FILES.survey, check: "consistency", message: `${role} ${id} has no file` });
    referenced.add(ref.path);
    const entry = byPath.get(ref.path);
    if (!entry) fail({ path: ref.path, check: "consistency", message: `survey.json names ${role} ${id} at this path, but the manifest does not list it` });
    else if (entry.sha256 !== ref.sha256 || entry.ref !== id || entry.role !== role) {
      fail({ path: ref.path, check: "consistency", message: `survey.json and the manifest disagree about ${role} ${id}`, expected: ref.sha256, actual: entry.sha256 });
    }
  };
  for (const c of survey.captures ?? []) {
    check(c.file, c.id, "photo");
    check(c.thumbnail, c.id, "thumbnail");
  }
  for (const r of survey.recordings ?? []) check(r.file, r.id, "recording");
  for (const f of manifest.files) {
    if ((f.role === "photo" || f.role === "thumbnail" || f.role === "recording") && !referenced.has(f.path)) {
      fail({ path: f.path, check: "consistency", message: `${f.role} is not part of this survey's record (survey.json)` });
    }
  }
}

function verifyEventLog(
  whole: Map<string, Buffer>,
  manifest: Manifest | undefined,
  anchor: Buffer | undefined,
  timestamp: TimestampCheckOptions,
  bind: (file: string, found: unknown, what?: string) => void,
  ran: (c: CheckId) => void,
  fail: (f: VerifyFailure) => void,
  result: VerifyResult,
): CmsVerification | undefined {
  const headBytes = whole.get(FILES.treeHead);
  let head: SignedTreeHead | undefined;
  let headTrusted = false;
  let cms: CmsVerification | undefined;
  if (headBytes) {
    try {
      const parsed = signedTreeHeadSchema.safeParse(JSON.parse(headBytes.toString("utf8")));
      if (parsed.success) head = parsed.data;
      else fail({ path: FILES.treeHead, check: "tree-head-signature", message: `not a valid tree head: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}` });
    } catch (err) {
      fail({ path: FILES.treeHead, check: "tree-head-signature", message: `not valid JSON: ${(err as Error).message}` });
    }
  }
  if (head) {
    cms = checkTreeHeadSignature(head, anchor, timestamp);
    for (const p of cms.problems) fail({ path: FILES.treeHead, check: p.blame === "timestamp" ? "trusted-time" : "tree-head-signature", message: p.message });
    headTrusted = !cms.problems.some((p) => p.blame !== "timestamp");
    ran("tree-head-signature");
    result.eventLog = { treeSize: head.treeSize, rootHash: head.rootHash };
    bind(FILES.treeHead, head.surveyId, "tree head is for another survey");
    if (manifest && (manifest.eventLog.rootHash !== head.rootHash || manifest.eventLog.treeSize !== head.treeSize)) {
      fail({
        path: FILES.treeHead,
        check: "event-log",
        message: "tree head differs from the one the manifest commits to",
        expected: `${manifest.eventLog.treeSize} events, root ${manifest.eventLog.rootHash}`,
        actual: `${head.treeSize} events, root ${head.rootHash}`,
      });
    }
  }

  const events = whole.get(FILES.events);
  if (!events) return cms;
  const text = events.toString("utf8");
  if (text.length > 0 && !text.endsWith("\n")) fail({ path: FILES.events, check: "event-log", message: "does not end with a newline (truncated?)" });
  const lines = text.length ? text.replace(/\n$/, "").split("\n") : [];
  lines.forEach((line, i) => {
    let event: { seq?: unknown; surveyId?: unknown };
    try {
      event = JSON.parse(line);
    } catch {
      return fail({ path: FILES.events, check: "event-log", message: `line ${i + 1} is not valid JSON` });
    }
    if (canonicalJson(event) !== line) fail({ path: FILES.events, check: "event-log", message: `line ${i + 1} is not in canonical form` });
    if (event.seq !== i + 1) {
      fail({ path: FILES.events, check: "event-log", message: `line ${i + 1}: event out of sequence (missing, inserted or reordered event)`, expected: `seq ${i + 1}`, actual: `seq ${String(event.seq)}` });
    }
    bind(FILES.events, event.surveyId, `line ${i + 1} is an event of another survey`);
  });
  const reference = head ?? (manifest ? { treeSize: manifest.eventLog.treeSize, rootHash: manifest.eventLog.rootHash } : undefined);
  if (reference) {
    const root = merkleRoot(lines.map((l) => Buffer.from(l, "utf8"))).toString("hex");
    // A sound, signed tree head means the log file is what changed.
    const blame = headTrusted || !head ? FILES.events : FILES.treeHead;
    if (lines.length !== reference.treeSize) {
      fail({ path: blame, check: "event-log", message: "number of events differs from the signed tree head", expected: String(reference.treeSize), actual: String(lines.length) });
    }
    if (root !== reference.rootHash) {
      fail({ path: blame, check: "event-log", message: "Merkle root of events.jsonl differs from the signed tree head", expected: reference.rootHash, actual: root });
    }
  }
  ran("event-log");
  return cms;
}

function parseJson(whole: Map<string, Buffer>, file: string, fail: (f: VerifyFailure) => void): unknown {
  const bytes = whole.get(file);
  if (!bytes) return undefined;
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    fail({ path: file, check: "consistency", message: `not valid JSON: ${(err as Error).message}` });
    return undefined;
  }
}

function sha256Hex(b: Buffer): string {
  return createHash("sha256").update(b).digest("hex");
}
