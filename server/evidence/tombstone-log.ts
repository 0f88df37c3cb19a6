// Purged packages leave a signed tombstone in an append-only JSON-lines log:
// proof that the deletion was deliberate, when, and under which rule. Each line
// also carries the SHA-256 of the line before, so a removed or edited
// tombstone breaks the chain.
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { canonicalJsonBytes } from "./canonical-json";
import { verifyCms } from "./signer/cms-verify";
import type { Signer } from "./signer/signer";

export const tombstoneSchema = z.object({
  packageId: z.string(),
  surveyId: z.string(),
  manifestSha256: z.string().regex(/^[0-9a-f]{64}$/),
  purgedAt: z.iso.datetime(),
  rule: z.string(),
  retainUntil: z.iso.date(),
  explanation: z.string(),
  keyId: z.string(),
  previousLineSha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export const signedTombstoneSchema = tombstoneSchema.extend({ signature: z.string() });
export type Tombstone = z.infer<typeof tombstoneSchema>;
export type SignedTombstone = z.infer<typeof signedTombstoneSchema>;

export interface TombstoneLog {
  /** Signs and appends; resolves once the line is on disk. */
  append(entry: Omit<Tombstone, "keyId" | "previousLineSha256">, signer: Signer): Promise<SignedTombstone>;
}

const GENESIS = "0".repeat(64);

export function fileTombstoneLog(file: string): TombstoneLog {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    append(entry, signer) {
      // Appends are serialised so each line chains to the one really before it.
      const next = tail.then(async () => {
        await fs.mkdir(path.dirname(file), { recursive: true });
        const previous = await lastLine(file);
        const body: Tombstone = { ...entry, keyId: signer.keyId, previousLineSha256: previous ? sha256(previous) : GENESIS };
        const signature = await signer.sign(canonicalJsonBytes(body), { signingTime: new Date(body.purgedAt) });
        const signed: SignedTombstone = { ...body, signature: signature.toString("base64") };
        const handle = await fs.open(file, "a", 0o640);
        try {
          await handle.write(`${JSON.stringify(signed)}\n`);
          await handle.sync();
        } finally {
          await handle.close();
        }
        return signed;
      });
      tail = next.catch(() => undefined);
      return next;
    },
  };
}

export interface TombstoneLogCheck {
  ok: boolean;
  entries: SignedTombstone[];
  problems: { line: number; message: string }[];
}

/** Checks every tombstone's signature and the hash chain. */
export async function verifyTombstoneLog(file: string, certificateDer?: Buffer): Promise<TombstoneLogCheck> {
  const text = await fs.readFile(file, "utf8");
  const lines = text.split("\n").filter((l, i, all) => l.length > 0 || i < all.length - 1);
  const problems: TombstoneLogCheck["problems"] = [];
  const entries: SignedTombstone[] = [];
  let previous = GENESIS;
  lines.forEach((line, i) => {
    const parsed = signedTombstoneSchema.safeParse(safeJson(line));
    if (!parsed.success) {
      problems.push({ line: i + 1, message: "not a tombstone" });
    } else {
      const { signature, ...body } = parsed.data;
      if (body.previousLineSha256 !== previous) problems.push({ line: i + 1, message: "hash chain broken (a line before it was removed or changed)" });
      const v = verifyCms(Buffer.from(signature, "base64"), { detachedContent: canonicalJsonBytes(body), expectedCertificateDer: certificateDer });
      for (const p of v.problems) problems.push({ line: i + 1, message: p.message });
      entries.push(parsed.data);
    }
    previous = sha256(line);
  });
  return { ok: problems.length === 0, entries, problems };
}

async function lastLine(file: string): Promise<string | undefined> {
  try {
    const lines = (await fs.readFile(file, "utf8")).split("\n").filter(Boolean);
    return lines[lines.length - 1];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");
