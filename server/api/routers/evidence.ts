// The agent's view of a closed survey's evidence package: build progress and,
// once ready, the manifest SHA-256, the destroy-after date and what the package
// says was and was not recorded; after a failure its code, error id and next
// automatic retry, and a retry on request. Also the survey's files still owed
// to remote storage (STORAGE=s3), retried likewise.
import path from "node:path";
import { readPackageCompleteness } from "../../evidence/package-completeness";
import { router, staffSurveyProcedure } from "../trpc";

export const evidenceRouter = router({
  status: staffSurveyProcedure("evidence.status").query(async ({ ctx }) => {
    const survey = await ctx.app.db.survey.findUniqueOrThrow({
      where: { id: ctx.survey.id },
      select: {
        status: true,
        // `error` (raw text, paths) stays on the server: the page gets errorCode and errorId.
        evidence: { select: { status: true, stage: true, progress: true, manifestSha256: true, destroyAfter: true, legalHold: true, errorCode: true, errorId: true, attempts: true, nextAttemptAt: true, updatedAt: true } },
      },
    });
    return { surveyStatus: survey.status, package: survey.evidence };
  }),

  /** What the ready package says was and was not recorded (null until it is ready). */
  completeness: staffSurveyProcedure("evidence.status").query(async ({ ctx }) => {
    const ev = await ctx.app.db.evidencePackage.findUnique({ where: { surveyId: ctx.survey.id }, select: { status: true, storagePath: true } });
    if (ev?.status !== "ready" || !ev.storagePath) return null;
    return readPackageCompleteness(ev.storagePath);
  }),

  retry: staffSurveyProcedure("evidence.retry").mutation(async ({ ctx }) => {
    await ctx.app.evidence.retryNow(ctx.survey.id);
    return { started: true };
  }),

  /** This survey's files the bucket has not taken yet: kept whole in the spool, uploaded in the background. */
  pendingUploads: staffSurveyProcedure("evidence.status").query(({ ctx }) => owedUploads(ctx.app.storage, ctx.survey.id)),

  retryUploads: staffSurveyProcedure("evidence.retry").mutation(async ({ ctx }) => {
    await ctx.app.storage.flushPendingUploads?.();
    return owedUploads(ctx.app.storage, ctx.survey.id);
  }),
});

async function owedUploads(storage: { pendingUploads?(): Promise<{ key: string; size: number; since: string; attempts: number; errorCode: string; errorId: string }[]>; nextUploadAttemptAt?(): Date | null }, surveyId: string) {
  const owed = ((await storage.pendingUploads?.()) ?? []).filter((p) => p.key.startsWith(`${surveyId}/`));
  // The raw error (bucket URL, spool path) stays in the marker and the log.
  return {
    files: owed.map((p) => ({ file: path.posix.basename(p.key), size: p.size, since: p.since, attempts: p.attempts, errorCode: p.errorCode, errorId: p.errorId })),
    nextAttemptAt: owed.length ? (storage.nextUploadAttemptAt?.() ?? null) : null,
  };
}
