// The agent's view of a closed survey's evidence package: build progress and,
// once ready, the manifest SHA-256 and the destroy-after date; after a failure
// its code, error id and next automatic retry, and a retry on request. Also the
// survey's files still owed to remote storage (STORAGE=s3), retried likewise.
import path from "node:path";
import { z } from "zod";
import type { Db } from "../../db/client";
import { DomainError } from "../../domain/errors";
import { readPackageCompleteness } from "../../evidence/package-completeness";
import { router, staffProcedure } from "../trpc";

const surveyInput = z.object({ surveyId: z.string().min(1).max(64) });

/** Same reach as the agent's survey page: own surveys and unassigned ones; admins all. */
async function reachableSurvey(db: Db, user: { id: string; role: string }, surveyId: string) {
  const survey = await db.survey.findUnique({
    where: { id: surveyId },
    select: {
      agentId: true,
      status: true,
      // `error` (raw text, paths) stays on the server: the page gets errorCode and errorId.
      evidence: { select: { status: true, stage: true, progress: true, manifestSha256: true, destroyAfter: true, legalHold: true, errorCode: true, errorId: true, attempts: true, nextAttemptAt: true, updatedAt: true } },
    },
  });
  if (!survey) throw new DomainError("NOT_FOUND", "No such survey.");
  if (user.role !== "admin" && survey.agentId && survey.agentId !== user.id) throw new DomainError("FORBIDDEN", "This survey is assigned to another agent.");
  return survey;
}

export const evidenceRouter = router({
  status: staffProcedure("agent", "admin")
    .input(surveyInput)
    .query(async ({ ctx, input }) => {
      const survey = await reachableSurvey(ctx.app.db, ctx.user, input.surveyId);
      return { surveyStatus: survey.status, package: survey.evidence };
    }),

  /** What the ready package says was and was not recorded (null until it is ready). */
  completeness: staffProcedure("agent", "admin")
    .input(z.object({ surveyId: z.string().min(1).max(64) }))
    .query(async ({ ctx, input }) => {
      const survey = await ctx.app.db.survey.findUnique({ where: { id: input.surveyId }, select: { agentId: true, evidence: { select: { status: true, storagePath: true } } } });
      if (!survey) throw new DomainError("NOT_FOUND", "No such survey.");
      if (ctx.user.role !== "admin" && survey.agentId && survey.agentId !== ctx.user.id) throw new DomainError("FORBIDDEN", "This survey is assigned to another agent.");
      if (survey.evidence?.status !== "ready" || !survey.evidence.storagePath) return null;
      return readPackageCompleteness(survey.evidence.storagePath);
    }),

  retry: staffProcedure("agent", "admin")
    .input(surveyInput)
    .mutation(async ({ ctx, input }) => {
      await reachableSurvey(ctx.app.db, ctx.user, input.surveyId);
      await ctx.app.evidence.retryNow(input.surveyId);
      return { started: true };
    }),

  /** This survey's files the bucket has not taken yet: kept whole in the spool, uploaded in the background. */
  pendingUploads: staffProcedure("agent", "admin")
    .input(surveyInput)
    .query(async ({ ctx, input }) => {
      await reachableSurvey(ctx.app.db, ctx.user, input.surveyId);
      return owedUploads(ctx.app.storage, input.surveyId);
    }),

  retryUploads: staffProcedure("agent", "admin")
    .input(surveyInput)
    .mutation(async ({ ctx, input }) => {
      await reachableSurvey(ctx.app.db, ctx.user, input.surveyId);
      await ctx.app.storage.flushPendingUploads?.();
      return owedUploads(ctx.app.storage, input.surveyId);
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
