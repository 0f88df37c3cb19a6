// The one list of what the product uses when it runs
// (scripts/setup/runtime-needs.json), parsed. Setup installs its Debian
// packages; the start-up self-check (self-check.ts) checks every entry.
import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

export const RUNTIME_NEEDS_FILE = path.resolve(import.meta.dirname, "../../scripts/setup/runtime-needs.json");

const checkSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("command"), command: z.string().regex(/^[a-z0-9_.-]+$/) }),
  z.object({ kind: z.literal("file"), path: z.string().startsWith("/") }),
  z.object({ kind: z.literal("mediasoup-worker") }),
  z.object({ kind: z.literal("quality-model") }),
  z.object({ kind: z.literal("ocr-model") }),
  /** A folder the product writes into, named by role; the self-check maps it to the configured path. */
  z.object({ kind: z.literal("writable-dir"), dir: z.enum(["data", "media", "keys", "evidence"]) }),
]);

export const runtimeNeedSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  check: checkSchema,
  /** Debian packages that provide it; setup installs them. */
  debian: z.array(z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/)).default([]),
  /** How to provide it when it is not a Debian package (or besides one). */
  setup: z.string().optional(),
  /** false: the product starts without it and says what will not work. */
  required: z.boolean(),
  usedFor: z.string().min(1),
});
export type RuntimeNeed = z.infer<typeof runtimeNeedSchema>;
export type RuntimeNeedCheck = z.infer<typeof checkSchema>;

const fileSchema = z.object({ needs: z.array(runtimeNeedSchema).min(1) });

export function loadRuntimeNeeds(file = RUNTIME_NEEDS_FILE): RuntimeNeed[] {
  const needs = fileSchema.parse(JSON.parse(readFileSync(file, "utf8"))).needs;
  const ids = new Set<string>();
  for (const n of needs) {
    if (ids.has(n.id)) throw new Error(`${file}: need "${n.id}" is listed twice`);
    ids.add(n.id);
  }
  return needs;
}

/** Every Debian package the list names, once, in list order: what setup installs for running the product. */
export function runtimeDebianPackages(needs: RuntimeNeed[]): string[] {
  return [...new Set(needs.flatMap((n) => n.debian))];
}
