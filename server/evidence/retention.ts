// The destroy-after rules, in one place. Policy terms of one year or less keep
// evidence 5 years after the policy ends, longer terms 10 years; a dispute
// keeps it 2 years after the dispute closes if that is later; a legal hold
// blocks purging whatever the date.
import { z } from "zod";
import type { RetentionFacts } from "./package-input";

export const retentionRulesSchema = z.object({
  /** Policies whose term is at most this many years count as short. */
  shortPolicyMaxYears: z.number().int().positive(),
  yearsAfterShortPolicy: z.number().int().nonnegative(),
  yearsAfterLongPolicy: z.number().int().nonnegative(),
  yearsAfterDispute: z.number().int().nonnegative(),
});
export type RetentionRules = z.infer<typeof retentionRulesSchema>;

export const DEFAULT_RETENTION_RULES: RetentionRules = {
  shortPolicyMaxYears: 1,
  yearsAfterShortPolicy: 5,
  yearsAfterLongPolicy: 10,
  yearsAfterDispute: 2,
};

export type RetentionRuleId = "short-policy" | "long-policy" | "dispute";

export interface RetentionDecision {
  /** Last day (UTC calendar date, inclusive) the package must be kept. */
  retainUntil: string;
  rule: RetentionRuleId;
  /** Human-readable, e.g. "policy term ≤ 1 year: policy end 2025-12-31 + 5 years". */
  explanation: string;
  legalHold: boolean;
}

export function decideRetention(facts: RetentionFacts, rules: RetentionRules = DEFAULT_RETENTION_RULES): RetentionDecision {
  retentionRulesSchema.parse(rules);
  const short = facts.policyEnd <= addYears(facts.policyStart, rules.shortPolicyMaxYears);
  const years = short ? rules.yearsAfterShortPolicy : rules.yearsAfterLongPolicy;
  let decision: RetentionDecision = {
    retainUntil: addYears(facts.policyEnd, years),
    rule: short ? "short-policy" : "long-policy",
    explanation: `policy term ${short ? "≤" : ">"} ${rules.shortPolicyMaxYears} year(s): policy end ${facts.policyEnd} + ${years} years`,
    legalHold: facts.legalHold,
  };
  if (facts.disputeClosedOn) {
    const afterDispute = addYears(facts.disputeClosedOn, rules.yearsAfterDispute);
    if (afterDispute > decision.retainUntil) {
      decision = {
        retainUntil: afterDispute,
        rule: "dispute",
        explanation: `dispute closed ${facts.disputeClosedOn} + ${rules.yearsAfterDispute} years (later than the policy rule)`,
        legalHold: facts.legalHold,
      };
    }
  }
  return decision;
}

/** Purgeable from 00:00 UTC on the day after retainUntil, and never while on legal hold. */
export function isPurgeable(decision: RetentionDecision, now: Date): boolean {
  if (decision.legalHold) return false;
  return now.getTime() >= Date.parse(`${decision.retainUntil}T00:00:00Z`) + 86_400_000;
}

/** Calendar years on a YYYY-MM-DD date; 29 February falls back to 28 February. */
export function addYears(date: string, years: number): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const year = y + years;
  const lastDay = new Date(Date.UTC(year, m, 0)).getUTCDate();
  return `${String(year).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(Math.min(d, lastDay)).padStart(2, "0")}`;
}
