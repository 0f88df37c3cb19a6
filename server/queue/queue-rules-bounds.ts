// The bounds the rules schema puts on each number, read from the schema itself,
// so the rules page words "a whole number from … to …" without a second copy of
// them (and without shipping zod to the browser).
import { queueRules } from "./queue-rules";

export type NumberBounds = Record<string, { min: number; max: number }>;

function numberBoundsOf(schema: unknown): { min: number; max: number } | null {
  let s = schema;
  // Through .default() and .nullable() to the number inside.
  while (s && typeof s === "object" && !("minValue" in s) && "unwrap" in s) s = (s as { unwrap: () => unknown }).unwrap();
  if (!s || typeof s !== "object" || !("minValue" in s)) return null;
  const n = s as { minValue: number | null; maxValue: number | null };
  return { min: n.minValue ?? Number.MIN_SAFE_INTEGER, max: n.maxValue ?? Number.MAX_SAFE_INTEGER };
}

export const queueRuleNumberBounds: NumberBounds = Object.fromEntries(
  Object.entries(queueRules.shape).flatMap(([field, schema]) => {
    const b = numberBoundsOf(schema);
    return b ? [[field, b]] : [];
  }),
);
