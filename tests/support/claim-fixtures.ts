import type { Db } from "../../server/db/client";
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

/**
 * An accepted photo's row, for domain tests that need a survey with photos but
 * not their bytes (the statement lists each photo's item, time and hash).
 */
export function acceptedCaptureRow(db: Db, surveyId: string, itemKey: string, sha256: string) {
  return db.capture.create({
    data: {
      surveyId, participantId: "p", itemKey, idempotencyKey: `k-${sha256.slice(0, 6)}`, mediaType: "image/jpeg", byteSize: 1, sha256, width: 1, height: 1,
      storageKey: "x", thumbSmallKey: "x", thumbLargeKey: "x", capturedAt: new Date("2026-12-03T02:05:00Z"), scores: "{}", verdict: "accepted", modelSha256: "0".repeat(64),
    },
  });
}
