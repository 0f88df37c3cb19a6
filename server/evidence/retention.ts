// The destroy-after rules, in one place. Policy terms of one year or less keep
// evidence 5 years after the policy ends, longer terms 10 years; a dispute
// keeps it 2 years after the dispute closes if that is later; a legal hold
// blocks purging whatever the date. A claim without a policy period falls back
// to the longest policy rule counted from the day the survey closed (10 years):
// the policy cannot end before the accident it covers was surveyed, so this never
// keeps evidence for less time than the policy rule would once the period is known
// for terms of a year or less, and it is stated as such in the package.
import { z } from "zod";
import type { RetentionFacts } from "./package-input";

export const retentionRulesSchema = z.object({
  /** Policies whose term is at most this many years count as short. */
  shortPolicyMaxYears: z.number().int().positive(),
  yearsAfterShortPolicy: z.number().int().nonnegative(),
  yearsAfterLongPolicy: z.number().int().nonnegative(),
  yearsAfterDispute: z.number().int().nonnegative(),
  /** No policy period on record: years after the survey closed. */
  yearsAfterSurveyWithoutPolicy: z.number().int().nonnegative().default(10),
});
export type RetentionRules = z.output<typeof retentionRulesSchema>;

export const DEFAULT_RETENTION_RULES: RetentionRules = {
  shortPolicyMaxYears: 1,
  yearsAfterShortPolicy: 5,
  yearsAfterLongPolicy: 10,
  yearsAfterDispute: 2,
  yearsAfterSurveyWithoutPolicy: 10,
};

export type RetentionRuleId = "short-policy" | "long-policy" | "no-policy-period" | "dispute";

/** The rule's terms, so every reader can word the rule in its own language. */
export interface RetentionBasis {
  rule: RetentionRuleId;
  /** The date counted from (policy end, survey closing or dispute closing). */
  from: string;
  years: number;
  /** Policy terms up to this many years count as short. */
  maxYears: number;
}

export interface RetentionDecision {
  /** Last day (UTC calendar date, inclusive) the package must be kept. */
  retainUntil: string;
  rule: RetentionRuleId;
  /** Human-readable (English, for logs and the manifest), e.g. "policy term ≤ 1 year: policy end 2025-12-31 + 5 years". */
  explanation: string;
  basis: RetentionBasis;
  legalHold: boolean;
}

export function decideRetention(facts: RetentionFacts, rules: z.input<typeof retentionRulesSchema> = DEFAULT_RETENTION_RULES): RetentionDecision {
  const r = retentionRulesSchema.parse(rules);
  let decision: RetentionDecision;
  if (facts.policyStart && facts.policyEnd) {
    const short = facts.policyEnd <= addYears(facts.policyStart, r.shortPolicyMaxYears);
    const years = short ? r.yearsAfterShortPolicy : r.yearsAfterLongPolicy;
    decision = {
      retainUntil: addYears(facts.policyEnd, years),
      rule: short ? "short-policy" : "long-policy",
      explanation: `policy term ${short ? "≤" : ">"} ${r.shortPolicyMaxYears} year(s): policy end ${facts.policyEnd} + ${years} years`,
      basis: { rule: short ? "short-policy" : "long-policy", from: facts.policyEnd, years, maxYears: r.shortPolicyMaxYears },
      legalHold: facts.legalHold,
    };
  } else {
    if (!facts.surveyClosedOn) throw new Error("retention: no policy period and no survey closing date");
    decision = {
      retainUntil: addYears(facts.surveyClosedOn, r.yearsAfterSurveyWithoutPolicy),
      rule: "no-policy-period",
      explanation:
        `no policy period on record: survey closed ${facts.surveyClosedOn} + ${r.yearsAfterSurveyWithoutPolicy} years ` +
        "(conservative fallback: the longest policy rule, counted from the survey)",
      basis: { rule: "no-policy-period", from: facts.surveyClosedOn, years: r.yearsAfterSurveyWithoutPolicy, maxYears: r.shortPolicyMaxYears },
      legalHold: facts.legalHold,
    };
  }
  if (facts.disputeClosedOn) {
    const afterDispute = addYears(facts.disputeClosedOn, r.yearsAfterDispute);
    if (afterDispute > decision.retainUntil) {
      decision = {
        retainUntil: afterDispute,
        rule: "dispute",
        explanation: `dispute closed ${facts.disputeClosedOn} + ${r.yearsAfterDispute} years (later than the policy rule)`,
        basis: { rule: "dispute", from: facts.disputeClosedOn, years: r.yearsAfterDispute, maxYears: r.shortPolicyMaxYears },
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
