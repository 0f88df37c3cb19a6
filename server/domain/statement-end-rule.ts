// A survey ends with the driver's signed statement (issue 15, point 2): the
// statement is what the driver agreed the facts, photos and consent were, and
// evidence without it lacks the driver's own word. Every way of ending a
// survey goes through closeSurvey (surveys.ts), which asks this rule first.
// Without a signature of the statement as it stands now, ending needs an
// explicit reason (the driver left, refused, could not sign), which goes on
// the timeline and into the report.
import type { Db } from "../db/client";
import { DomainError } from "./errors";
import { currentStatement, latestSignature } from "./statement";
import type { StatementLocale } from "../evidence/statement-text";
import { endWithoutStatementSchema, type EndWithoutStatement } from "./statement-end-reason";

export { endWithoutStatementSchema, type EndWithoutStatement };

export type StatementAtEnd = { signed: true } | { signed: false; without: EndWithoutStatement };

/**
 * Whether the survey may end: the latest signature covers the statement as it
 * stands now, or the caller gives a reason to end without one. Throws
 * STATEMENT_REQUIRED otherwise.
 */
export async function statementAtEnd(db: Db, surveyId: string, without: EndWithoutStatement | undefined): Promise<StatementAtEnd> {
  const signature = await latestSignature(db, surveyId);
  if (signature) {
    const now = await currentStatement(db, surveyId, (signature.locale === "en" ? "en" : "zh-CN") as StatementLocale);
    if (now.sha256 === signature.statementSha256) return { signed: true };
  }
  if (!without) throw new DomainError("STATEMENT_REQUIRED", "The driver has not signed the statement as it stands; ask for it, or give a reason to end without it.");
  return { signed: false, without: endWithoutStatementSchema.parse(without) };
}
