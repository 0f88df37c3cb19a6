// A package's retention as of now: the rules applied to the claim's policy
// period and the package row's current legal hold and dispute date (both can
// change after packaging). One function so the archive page, the stored
// destroy-after date and the purge job can never disagree.
import type { Db } from "../db/client";
import { decideRetention, type RetentionDecision } from "../evidence/retention";
import type { RetentionFacts } from "../evidence/package-input";
import { retentionFacts } from "./evidence-input";

export interface CurrentRetention {
  facts: RetentionFacts;
  decision: RetentionDecision;
  /** First instant the package may be purged (00:00 UTC the day after retainUntil); null while on hold. */
  destroyAfter: Date;
}

export async function currentRetention(db: Db, surveyId: string): Promise<CurrentRetention> {
  const survey = await db.survey.findUniqueOrThrow({ where: { id: surveyId }, include: { claim: true, evidence: true } });
  return retentionFor(survey.claim, survey.closedAt ?? survey.createdAt, survey.evidence);
}

export function retentionFor(
  claim: { policyStart: Date | null; policyEnd: Date | null },
  closedAt: Date,
  evidence: { legalHold: boolean; disputeClosedAt: Date | null } | null,
): CurrentRetention {
  const facts = retentionFacts(claim, closedAt, evidence);
  const decision = decideRetention(facts);
  return { facts, decision, destroyAfter: new Date(Date.parse(`${decision.retainUntil}T00:00:00Z`) + 86_400_000) };
}
