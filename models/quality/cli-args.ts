// The model scripts' one way of reading `--kebab-name=value` arguments: each is turned into the
// camelCase key its zod schema names, and the schema parses (and defaults) them all.
import type { z } from "zod";

export function parseCliArgs<S extends z.ZodTypeAny>(schema: S, expected = "", argv: readonly string[] = process.argv.slice(2)): z.infer<S> {
  const raw: Record<string, string> = {};
  for (const a of argv) {
    const m = /^--([\w-]+)=(.*)$/.exec(a);
    if (!m) throw new Error(`unrecognised argument ${a}${expected ? ` (expected ${expected})` : ""}`);
    raw[m[1]!.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())] = m[2]!;
  }
  return schema.parse(raw);
}
