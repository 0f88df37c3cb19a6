// Completeness of a built package, for screens that show it without running
// the whole verifier (the agent's survey page, the auditor's survey page before
// "Verify"): recomputed from the package's survey.json and events.jsonl, the
// same computation the verifier runs, but without checking signatures — the
// pages say so, and "Verify" is what vouches for it.
import { type CompletenessReport, completenessFromPackageFiles, unknownCompleteness } from "./completeness-report";
import { FILES } from "./package-layout";
import { openPackageSource } from "./package-source";

export async function readPackageCompleteness(location: string): Promise<CompletenessReport> {
  let source;
  try {
    source = await openPackageSource(location);
  } catch {
    return unknownCompleteness("no-survey-record");
  }
  try {
    const survey = JSON.parse((await source.read(FILES.survey)).toString("utf8")) as unknown;
    return completenessFromPackageFiles(survey, await source.read(FILES.events));
  } catch {
    return unknownCompleteness("no-survey-record");
  } finally {
    await source.close();
  }
}
