// What went wrong in a background job (evidence build, composite render,
// upload owed to storage), as a stable code the pages translate. The raw error
// (text, paths) goes to the server log under the failure's error id, never to
// a page: it means nothing to an agent and may name server folders.
import { ReportFontMissingError } from "../evidence/cjk-font";
import { PackageSourcesMissingError } from "../evidence/build-package";
import { newErrorId } from "./errors";

export const JOB_FAILURE_CODES = ["report-font-missing", "sources-missing", "disk-full", "not-writable", "program-missing", "unreachable", "no-recordings", "internal"] as const;
export type JobFailureCode = (typeof JOB_FAILURE_CODES)[number];

export interface JobFailure {
  code: JobFailureCode;
  errorId: string;
}

/** A failure whose code the job already knows (e.g. nothing to render). */
export class JobFailureError extends Error {
  constructor(readonly code: JobFailureCode, message: string) {
    super(message);
    this.name = "JobFailureError";
  }
}

export function jobFailureCode(err: unknown): JobFailureCode {
  if (err instanceof JobFailureError) return err.code;
  if (err instanceof ReportFontMissingError) return "report-font-missing";
  if (err instanceof PackageSourcesMissingError) return "sources-missing";
  const code = errnoOf(err);
  if (code === "ENOSPC" || code === "EDQUOT" || /No space left on device/i.test(String((err as Error)?.message))) return "disk-full";
  if (code && ["EACCES", "EPERM", "EROFS", "ENOTDIR", "EISDIR", "EEXIST"].includes(code)) return "not-writable";
  if (code === "ENOENT" && (err as { syscall?: string }).syscall?.startsWith("spawn")) return "program-missing";
  if (code && ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"].includes(code)) return "unreachable";
  return "internal";
}

/** The code and a fresh error id for `err`; the caller logs both with the error. */
export function describeJobFailure(err: unknown, idPrefix: string): JobFailure {
  return { code: jobFailureCode(err), errorId: newErrorId(idPrefix) };
}

function errnoOf(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === "string") return e.code;
  }
  return undefined;
}
