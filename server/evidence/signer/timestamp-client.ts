// RFC 3161 trusted timestamps: an independent authority (TSA) countersigns the
// signature value, proving the signature existed at that time even if our own
// key is later compromised. Used only when a TSA URL is configured.
//
// Best effort by design: a TSA that is down, slow or refuses never costs the
// evidence package. The signature is then made without a token and the caller
// is told why (TimestampOutcome), so the package can say plainly that its
// times are the server's own.
import { createHash, randomBytes, X509Certificate } from "node:crypto";
import { z } from "zod";
import { algorithm, bool, C, children, expectNode, fromDer, octets, OID, readInt, seq, T, toDer, uint } from "./asn1";
import { verifyCms } from "./cms-verify";
import { parseTstInfo } from "./tst-info";
import { stripLeadingZerosOf } from "./unsigned-bytes";

export const timestampConfigSchema = z.object({
  url: z.url({ protocol: /^https?$/ }),
  timeoutMs: z.number().int().positive().default(15_000),
  /** Ask the TSA to include its certificate so the token verifies offline. */
  certReq: z.boolean().default(true),
  /** HTTP Basic credentials, for commercial TSAs that bill per account. */
  auth: z.object({ username: z.string().min(1), password: z.string() }).optional(),
});
export type TimestampConfig = z.input<typeof timestampConfigSchema>;

/** Sends a DER TimeStampReq and returns the DER TimeStampResp. Injected in tests; HTTP POST otherwise. */
export type TimestampTransport = (url: string, request: Buffer, timeoutMs: number, headers?: Record<string, string>) => Promise<Buffer>;

export interface TimestampRequest {
  der: Buffer;
  nonce: Buffer;
  digest: Buffer;
}

/** A token the TSA granted and we checked against our request. */
export interface GrantedToken {
  /** DER TimeStampToken (a CMS ContentInfo). */
  der: Buffer;
  genTime: Date;
  nonce: Buffer;
  tsaSubject: string;
}

/** What happened when a signature asked for a timestamp; reported to SignOptions.onTimestamp. */
export type TimestampOutcome =
  | { status: "stamped"; genTime: string; nonce: string; tsaSubject: string }
  | { status: "failed"; reason: string };

/** A function suitable for CmsSignOptions.timestamp: never throws. */
export type Timestamper = (signatureValue: Buffer) => Promise<{ token?: Buffer; outcome: TimestampOutcome }>;

/** TimeStampReq (RFC 3161 2.4.1) for SHA-256(data), with a random 64-bit nonce. */
export function encodeTimestampRequest(data: Buffer, options: { certReq?: boolean; nonce?: Buffer } = {}): TimestampRequest {
  const digest = createHash("sha256").update(data).digest();
  const nonce = options.nonce ?? randomBytes(8);
  const fields = [uint(1), seq([algorithm(OID.sha256, true), octets(digest)]), uint(nonce)];
  if (options.certReq ?? true) fields.push(bool(true));
  return { der: toDer(seq(fields)), nonce, digest };
}

/** Checks a TimeStampResp against its request and returns the token (a CMS ContentInfo). */
export function decodeTimestampResponse(response: Buffer, request: TimestampRequest): GrantedToken {
  const root = expectNode(fromDer(response), "TimeStampResp", C.UNIVERSAL, T.SEQUENCE, true);
  const [statusInfo, token] = children(root, "TimeStampResp", 1, 2);
  const status = readInt(children(expectNode(statusInfo, "PKIStatusInfo", C.UNIVERSAL, T.SEQUENCE, true), "PKIStatusInfo", 1, 3)[0], "PKIStatus");
  // 0 = granted, 1 = grantedWithMods; anything else is a refusal.
  if (status !== 0 && status !== 1) throw new TimestampError(`timestamp authority refused the request (PKIStatus ${status})`);
  if (!token) throw new TimestampError("timestamp response has no token");
  const tokenDer = toDer(token);
  const verification = verifyCms(tokenDer);
  if (!verification.ok) throw new TimestampError(`timestamp token does not verify: ${verification.problems.map((p) => p.message).join("; ")}`);
  if (verification.encapsulatedContentType !== OID.tstInfo || !verification.encapsulatedContent) throw new TimestampError("timestamp token carries no TSTInfo");
  const tst = parseTstInfo(verification.encapsulatedContent);
  if (!tst.hashedMessage.equals(request.digest)) throw new TimestampError("timestamp token is for different data");
  if (!tst.nonce || !stripLeadingZerosOf(tst.nonce).equals(stripLeadingZerosOf(request.nonce))) throw new TimestampError("timestamp token nonce does not match the request");
  const tsaSubject = verification.signerCertificateDer ? new X509Certificate(verification.signerCertificateDer).subject.replace(/\n/g, ", ") : "?";
  return { der: tokenDer, genTime: tst.genTime, nonce: request.nonce, tsaSubject };
}

export const httpTransport: TimestampTransport = async (url, request, timeoutMs, headers = {}) => {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/timestamp-query", accept: "application/timestamp-reply", ...headers },
    body: new Uint8Array(request),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new TimestampError(`timestamp authority answered HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
};

export function createTimestamper(rawConfig: TimestampConfig, transport: TimestampTransport = httpTransport): Timestamper {
  const config = timestampConfigSchema.parse(rawConfig);
  const headers: Record<string, string> = config.auth
    ? { authorization: `Basic ${Buffer.from(`${config.auth.username}:${config.auth.password}`).toString("base64")}` }
    : {};
  return async (signatureValue) => {
    const request = encodeTimestampRequest(signatureValue, { certReq: config.certReq });
    try {
      const response = await withTimeout(transport(config.url, request.der, config.timeoutMs, headers), config.timeoutMs);
      const granted = decodeTimestampResponse(response, request);
      return {
        token: granted.der,
        outcome: { status: "stamped", genTime: granted.genTime.toISOString(), nonce: granted.nonce.toString("hex"), tsaSubject: granted.tsaSubject },
      };
    } catch (err) {
      return { outcome: { status: "failed", reason: failureReason(err, config.timeoutMs) } };
    }
  };
}

/** A short, credential-free reason: it is stored in the package and shown in the report. */
function failureReason(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string } };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return `no answer within ${Math.round(timeoutMs / 1000)} s`;
  if (e instanceof TimestampError) return e.message;
  if (e?.cause?.code) return `timestamp authority unreachable (${e.cause.code})`;
  if (e?.name === "TypeError") return "timestamp authority unreachable";
  return "timestamp authority answered something that is not a valid timestamp response";
}

/** Also bounds an injected transport that ignores its timeout. */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error("timeout"), { name: "TimeoutError" })), ms + 1000);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export class TimestampError extends Error {
  override name = "TimestampError";
}
