// `claims-survey verify <package> [--json] [--trust cert.pem] [--tsa-trust tsa.pem] [--survey id]`
// Exit code 0 when the package verifies, 1 when it does not, 2 on usage errors;
// recording completeness is reported beside it and does not change the code.
// `claims-survey purge [--dry-run]` runs the retention purge on the server's
// database and data folder (exit 1 if a package could not be purged).
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";
import { verifyEvidencePackage } from "./verify-package";
import { formatVerifyResult } from "./verify-report-text";

const USAGE = `usage: claims-survey verify <package folder or .zip> [--json] [--trust <cert.pem>] [--tsa-trust <tsa.pem>] [--survey <survey id>]

  --json       print the structured result as JSON
  --trust      the insurer's published signing certificate; the package must be signed with it
  --tsa-trust  the time-stamping authority's certificate (or the CA above it), PEM; every signature
               must then carry an RFC 3161 timestamp from that TSA, and the time each proves is printed.
               Without it, timestamps are shown but not proven.
  --survey     fail unless the package belongs to this survey

  Two results: integrity (VALID/INVALID, the exit code) and, apart, recording
  completeness (COMPLETENESS complete/incomplete/unknown, with every missing
  stretch), recomputed from the package's signed timeline and continuity logs.

usage: claims-survey purge [--dry-run]

  --dry-run  list what would be purged without deleting anything`;

const argsSchema = z.object({
  command: z.literal("verify", { error: "unknown command" }),
  path: z.string().min(1, "a package path is required"),
  json: z.boolean(),
  trust: z.string().optional(),
  tsaTrust: z.string().optional(),
  survey: z.string().optional(),
});

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === "purge") {
    const rest = argv.slice(1);
    if (rest.some((a) => a !== "--dry-run")) {
      console.error(`unexpected argument ${rest.find((a) => a !== "--dry-run")}\n\n${USAGE}`);
      return 2;
    }
    // Loaded only here: verifying a package needs no database or server configuration.
    const { runPurgeCommand } = await import("../archive/evidence-purge-cli");
    return runPurgeCommand(rest.includes("--dry-run"));
  }
  let args: z.infer<typeof argsSchema>;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { json: { type: "boolean", default: false }, trust: { type: "string" }, "tsa-trust": { type: "string" }, survey: { type: "string" }, help: { type: "boolean", short: "h" } },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    args = argsSchema.parse({ command: positionals[0], path: positionals[1] ?? "", json: values.json, trust: values.trust, tsaTrust: values["tsa-trust"], survey: values.survey });
    if (positionals.length > 2) throw new Error(`unexpected argument ${positionals[2]}`);
  } catch (err) {
    const message = err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") : (err as Error).message;
    console.error(`${message}\n\n${USAGE}`);
    return 2;
  }
  let trustedCertificatePem: string | undefined;
  if (args.trust) {
    try {
      trustedCertificatePem = readFileSync(args.trust, "utf8");
    } catch (err) {
      console.error(`cannot read --trust ${args.trust}: ${(err as Error).message}`);
      return 2;
    }
  }
  let trustedTsaCertificatesPem: string | undefined;
  if (args.tsaTrust) {
    try {
      trustedTsaCertificatesPem = readFileSync(args.tsaTrust, "utf8");
    } catch (err) {
      console.error(`cannot read --tsa-trust ${args.tsaTrust}: ${(err as Error).message}`);
      return 2;
    }
    if (!trustedTsaCertificatesPem.includes("-----BEGIN CERTIFICATE-----")) {
      console.error(`--tsa-trust ${args.tsaTrust} holds no PEM certificate`);
      return 2;
    }
  }
  const result = await verifyEvidencePackage(args.path, { trustedCertificatePem, trustedTsaCertificatesPem, expectedSurveyId: args.survey });
  console.log(args.json ? JSON.stringify(result, null, 2) : formatVerifyResult(result));
  return result.ok ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}` || process.env.CLAIMS_SURVEY_CLI === "1") {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(2);
    },
  );
}
