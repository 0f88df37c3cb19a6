// The auditor's archive: find surveys, open one with its evidence package,
// verify the package on the server, and set or clear a legal hold or a
// dispute-closed date. Auditors and admins only; every call is written to the
// AuditLog (the procedures do it, as server/domain/survey-access.ts says; the
// handlers add the details). Nothing here deletes anything: only the purge job does, by rule.
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { Db } from "../../db/client";
import { DomainError } from "../../domain/errors";
import { maskMobile } from "../../domain/invites";
import { FILES } from "../../evidence/package-layout";
import { pemBlocks } from "../../evidence/signer/pem";
import { manifestSchema } from "../../evidence/manifest";
import { verifyEvidencePackage } from "../../evidence/verify-package";
import { readPackageCompleteness } from "../../evidence/package-completeness";
import { identifiedBy } from "../../archive/evidence-input";
import { retentionFor } from "../../archive/evidence-retention";
import { allowedFor, router, staffSurveyProcedure } from "../trpc";
import { containsIgnoringCase } from "../../db/text-filter";

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => (v ? v : undefined));

export const auditSearchInput = z
  .object({
    claimNumber: optionalText(64),
    policyNumber: optionalText(64),
    plate: optionalText(32),
    /** Survey created on or after this day (UTC). */
    from: z.iso.date().optional(),
    /** Survey created on or before this day (UTC). */
    to: z.iso.date().optional(),
    /** Part of the agent's name or e-mail. */
    agent: optionalText(200),
  })
  .refine((v) => !v.from || !v.to || v.from <= v.to, { path: ["to"], message: "the range ends before it starts" });

async function loadSurvey(db: Db, surveyId: string) {
  const survey = await db.survey.findUnique({
    where: { id: surveyId },
    include: {
      claim: true,
      agent: { select: { id: true, name: true, email: true } },
      participants: { include: { user: { select: { email: true } }, invite: { select: { sentTo: true } } }, orderBy: { createdAt: "asc" } },
      evidence: true,
    },
  });
  if (!survey) throw new DomainError("NOT_FOUND", "No such survey.");
  return survey;
}

async function readManifest(dir: string | null) {
  if (!dir) return null;
  try {
    return manifestSchema.parse(JSON.parse(await fs.readFile(path.join(dir, FILES.manifest), "utf8")));
  } catch {
    return null;
  }
}

function packageView(evidence: Awaited<ReturnType<typeof loadSurvey>>["evidence"]) {
  if (!evidence) return null;
  // Server folders and the raw error text stay on the server; a failure shows as errorCode + errorId.
  const { storagePath: _s, zipPath: _z, error: _e, ...rest } = evidence;
  return rest;
}

export const auditRouter = router({
  search: allowedFor("archive.search").input(auditSearchInput).query(async ({ ctx, input }) => {
    const rows = await ctx.app.db.survey.findMany({
      where: {
        claim: {
          ...(input.claimNumber ? { claimNumber: containsIgnoringCase(ctx.app.db, input.claimNumber) } : {}),
          ...(input.policyNumber ? { policyNumber: containsIgnoringCase(ctx.app.db, input.policyNumber) } : {}),
          ...(input.plate ? { plate: containsIgnoringCase(ctx.app.db, input.plate) } : {}),
        },
        ...(input.from || input.to
          ? { createdAt: { ...(input.from ? { gte: new Date(`${input.from}T00:00:00Z`) } : {}), ...(input.to ? { lt: new Date(Date.parse(`${input.to}T00:00:00Z`) + 86_400_000) } : {}) } }
          : {}),
        ...(input.agent ? { agent: { OR: [{ name: containsIgnoringCase(ctx.app.db, input.agent) }, { email: containsIgnoringCase(ctx.app.db, input.agent) }] } } : {}),
      },
      orderBy: { createdAt: "desc" },
      take: 100,
      select: {
        id: true,
        status: true,
        createdAt: true,
        closedAt: true,
        agent: { select: { name: true, email: true } },
        claim: { select: { claimNumber: true, policyNumber: true, plate: true, claimType: true } },
        evidence: { select: { status: true, destroyAfter: true, legalHold: true } },
      },
    });
    ctx.audit.details = { filters: input, results: rows.length };
    return rows;
  }),

  open: staffSurveyProcedure("archive.open").query(async ({ ctx, input }) => {
    const survey = await loadSurvey(ctx.app.db, input.surveyId);
    const manifest = survey.evidence?.status === "ready" ? await readManifest(survey.evidence.storagePath) : null;
    const completeness = survey.evidence?.status === "ready" && survey.evidence.storagePath ? await readPackageCompleteness(survey.evidence.storagePath) : null;
    const retention = retentionFor(survey.claim, survey.closedAt ?? survey.createdAt, survey.evidence);
    const c = survey.claim;
    return {
      survey: { id: survey.id, status: survey.status, locale: survey.locale, createdAt: survey.createdAt, openedAt: survey.openedAt, closedAt: survey.closedAt, recordingConsent: survey.recordingConsent },
      claim: {
        claimNumber: c.claimNumber,
        policyNumber: c.policyNumber,
        plate: c.plate,
        claimType: c.claimType,
        policyholderName: c.policyholderName,
        policyholderMobile: maskMobile(c.policyholderMobile),
        incidentAt: c.incidentAt,
        incidentPlace: c.incidentPlace,
        policyStart: c.policyStart,
        policyEnd: c.policyEnd,
      },
      agent: survey.agent,
      participants: survey.participants.map((p) => ({
        id: p.id,
        role: p.role,
        displayName: p.displayName,
        identifiedBy: identifiedBy(p.role, p.user?.email, p.invite?.sentTo ?? (p.role === "policyholder" ? c.policyholderMobile : null)),
        firstJoinAt: p.firstJoinAt,
        leftAt: p.leftAt,
      })),
      package: packageView(survey.evidence),
      manifest: manifest && {
        packageId: manifest.packageId,
        generatedAt: manifest.generatedAt,
        signer: manifest.signer,
        eventLog: manifest.eventLog,
        files: manifest.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256, role: f.role, mediaType: f.mediaType })),
      },
      completeness,
      retention: { retainUntil: retention.decision.retainUntil, rule: retention.decision.rule, explanation: retention.decision.explanation, basis: retention.decision.basis, legalHold: retention.decision.legalHold, destroyAfter: retention.destroyAfter },
    };
  }),

  verify: staffSurveyProcedure("archive.verify").mutation(async ({ ctx, input }) => {
    const survey = await loadSurvey(ctx.app.db, input.surveyId);
    const ev = survey.evidence;
    if (!ev || ev.status !== "ready" || !ev.storagePath) throw new DomainError("CONFLICT", "This survey has no finished evidence package.");
    const result = await verifyEvidencePackage(ev.storagePath, { expectedSurveyId: survey.id });
    // The manifest the package carries must also be the one recorded when it was built.
    const manifestMatches = result.ok ? await manifestHashMatches(ev.storagePath, ev.manifestSha256) : false;
    ctx.audit.details = { ok: result.ok && manifestMatches, failures: result.failures.length };
    return {
      ok: result.ok && manifestMatches,
      manifestMatchesRecord: manifestMatches,
      packageId: result.packageId,
      signer: result.signer,
      filesChecked: result.filesChecked,
      bytesHashed: result.bytesHashed,
      checks: Object.entries(result.checks).map(([check, outcome]) => ({ check, outcome })),
      failures: result.failures,
      // Separate from `ok`: an intact package may record an incompletely recorded survey.
      completeness: result.completeness,
      // Shown, not proven, here: the server holds no TSA trust anchor; the CLI's --tsa-trust proves it.
      trustedTime: result.trustedTime
        ? { serverTimeOnly: result.trustedTime.serverTimeOnly, tokens: result.trustedTime.tokens.map(({ file, status, genTime, tsa }) => ({ file, status, genTime, tsa })) }
        : null,
    };
  }),

  /**
   * Where a package build stands, for following a rebuild on the archive page.
   * Not logged (see the access table): it shows no evidence, and a poll every
   * few seconds would bury the log's real actions.
   */
  packageStatus: staffSurveyProcedure("archive.status").query(({ ctx }) =>
    ctx.app.db.evidencePackage.findUnique({ where: { surveyId: ctx.survey.id }, select: { status: true, errorId: true } }),
  ),

  /** A failed package build, retried now (the automatic retry may be hours away). */
  retryEvidence: staffSurveyProcedure("archive.retry").mutation(async ({ ctx }) => {
    await ctx.app.evidence.retryNow(ctx.survey.id);
    return { started: true };
  }),

  /**
   * The certificate that signed this survey's package, as it stands in the
   * package (PEM), and its SHA-256: what an auditor compares with the insurer's
   * published fingerprint, or saves for `claims-survey verify --trust`.
   */
  certificate: staffSurveyProcedure("archive.certificate").query(async ({ ctx }) => {
    const survey = await loadSurvey(ctx.app.db, ctx.survey.id);
    const ev = survey.evidence;
    if (!ev || ev.status !== "ready" || !ev.storagePath) throw new DomainError("CONFLICT", "This survey has no finished evidence package.");
    const pem = await fs.readFile(path.join(ev.storagePath, FILES.certificate), "utf8");
    const der = pemBlocks(pem, "CERTIFICATE")[0];
    if (!der) throw new DomainError("CONFLICT", "The package holds no signing certificate.");
    return { pem, sha256: createHash("sha256").update(der).digest("hex"), fileName: FILES.certificate };
  }),

  setLegalHold: staffSurveyProcedure("archive.retention")
    .input(z.object({ legalHold: z.boolean(), reason: z.string().trim().min(1).max(1000) }))
    .mutation(async ({ ctx, input }) => {
      const updated = await updateRetention(ctx.app.db, input.surveyId, { legalHold: input.legalHold });
      ctx.audit.action = input.legalHold ? "audit.hold.set" : "audit.hold.clear";
      ctx.audit.details = { reason: input.reason };
      return updated;
    }),

  setDisputeClosed: staffSurveyProcedure("archive.retention")
    .input(z.object({ disputeClosedOn: z.iso.date().nullable() }))
    .mutation(async ({ ctx, input }) => {
      const disputeClosedAt = input.disputeClosedOn ? new Date(`${input.disputeClosedOn}T00:00:00Z`) : null;
      const updated = await updateRetention(ctx.app.db, input.surveyId, { disputeClosedAt });
      ctx.audit.action = input.disputeClosedOn ? "audit.dispute.set" : "audit.dispute.clear";
      ctx.audit.details = { disputeClosedOn: input.disputeClosedOn };
      return updated;
    }),
});

/** Applies a hold or dispute change and stores the destroy-after date the rules now give. */
async function updateRetention(db: Db, surveyId: string, change: { legalHold?: boolean; disputeClosedAt?: Date | null }) {
  const survey = await loadSurvey(db, surveyId);
  const ev = survey.evidence;
  if (!ev) throw new DomainError("CONFLICT", "This survey has no evidence package yet.");
  if (ev.status === "purged") throw new DomainError("CONFLICT", "This evidence package has been purged.");
  const next = { legalHold: change.legalHold ?? ev.legalHold, disputeClosedAt: change.disputeClosedAt === undefined ? ev.disputeClosedAt : change.disputeClosedAt };
  const retention = retentionFor(survey.claim, survey.closedAt ?? survey.createdAt, next);
  await db.evidencePackage.update({ where: { surveyId }, data: { ...next, destroyAfter: retention.destroyAfter } });
  return { legalHold: next.legalHold, disputeClosedAt: next.disputeClosedAt, destroyAfter: retention.destroyAfter, retainUntil: retention.decision.retainUntil, rule: retention.decision.rule, explanation: retention.decision.explanation, basis: retention.decision.basis };
}

async function manifestHashMatches(dir: string, recorded: string | null): Promise<boolean> {
  if (!recorded) return false;
  const bytes = await fs.readFile(path.join(dir, FILES.manifest));
  return createHash("sha256").update(bytes).digest("hex") === recorded;
}
