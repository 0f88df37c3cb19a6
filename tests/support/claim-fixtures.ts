import { surveyRequestInput, type SurveyRequestInput } from "../../server/domain/claim-input";

export function claimRequest(overrides: Partial<SurveyRequestInput["claim"]> = {}): SurveyRequestInput {
  return surveyRequestInput.parse({
    locale: "zh-CN",
    claim: {
      policyNumber: "PDAA202611220001",
      plate: "沪A·12345",
      policyholderName: "张伟",
      policyholderMobile: "13800138000",
      incidentAt: "2026-11-21T08:30:00+08:00",
      incidentPlace: "上海市浦东新区世纪大道100号",
      claimType: "motor_collision",
      ...overrides,
    },
    adjuster: { name: "王强", mobile: "+8613900139000" },
  });
}
