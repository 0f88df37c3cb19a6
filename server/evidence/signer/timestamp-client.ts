// RFC 3161 trusted timestamps: an independent authority (TSA) countersigns the
// signature value, proving the signature existed at that time even if our own
// key is later compromised. Used only when a TSA URL is configured.
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { algorithm, bool, C, children, expectNode, fromDer, octets, OID, readInt, seq, T, toDer, uint } from "./asn1";
import { parseTstInfo, verifyCms } from "./cms-verify";

export const timestampConfigSchema = z.object({
  url: z.url({ protocol: /^https?$/ }),
  timeoutMs: z.number().int().positive().default(15_000),
  /** Ask the TSA to include its certificate so the token verifies offline. */
  certReq: z.boolean().default(true),
});
export type TimestampConfig = z.input<typeof timestampConfigSchema>;

/** Sends a DER TimeStampReq and returns the DER TimeStampResp. Injected in tests; HTTP POST otherwise. */
export type TimestampTransport = (url: string, request: Buffer, timeoutMs: number) => Promise<Buffer>;

export interface TimestampRequest {
  der: Buffer;
  nonce: Buffer;
  digest: Buffer;
}

/** TimeStampReq (RFC 3161 2.4.1) for SHA-256(data), with a random 64-bit nonce. */
export function encodeTimestampRequest(data: Buffer, options: { certReq?: boolean; nonce?: Buffer } = {}): TimestampRequest {
  const digest = createHash("sha256").update(data).digest();
  const nonce = options.nonce ?? randomBytes(8);
  const fields = [uint(1), seq([algorithm(OID.sha256, true), octets(digest)]), uint(nonce)];
  if (options.certReq ?? true) fields.push(bool(true));
  return { der: toDer(seq(fields)), nonce, digest };
}

/** Checks a TimeStampResp against its request and returns the token (a CMS ContentInfo). */
export function decodeTimestampResponse(response: Buffer, request: TimestampRequest): Buffer {
  const root = expectNode(fromDer(response), "TimeStampResp", C.UNIVERSAL, T.SEQUENCE, true);
  const [statusInfo, token] = children(root, "TimeStampResp", 1, 2);
  const status = readInt(children(expectNode(statusInfo, "PKIStatusInfo", C.UNIVERSAL, T.SEQUENCE, true), "PKIStatusInfo", 1, 3)[0], "PKIStatus");
  // 0 = granted, 1 = grantedWithMods; anything else is a refusal.
  if (status !== 0 && status !== 1) throw new Error(`timestamp authority refused the request (PKIStatus ${status})`);
  if (!token) throw new Error("timestamp response has no token");
  const tokenDer = toDer(token);
  const verification = verifyCms(tokenDer);
  if (!verification.ok) throw new Error(`timestamp token does not verify: ${verification.problems.map((p) => p.message).join("; ")}`);
  if (verification.encapsulatedContentType !== OID.tstInfo || !verification.encapsulatedContent) throw new Error("timestamp token carries no TSTInfo");
  const tst = parseTstInfo(verification.encapsulatedContent);
  if (!tst.hashedMessage.equals(request.digest)) throw new Error("timestamp token is for different data");
  if (!tst.nonce || !stripLeadingZeros(tst.nonce).equals(stripLeadingZeros(request.nonce))) throw new Error("timestamp token nonce does not match the request");
  return tokenDer;
}

export const httpTransport: TimestampTransport = async (url, request, timeoutMs) => {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/timestamp-query", accept: "application/timestamp-reply" },
    body: new Uint8Array(request),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`timestamp authority ${url} answered HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
};

/** A function suitable for CmsSignOptions.timestamp. */
export function createTimestamper(rawConfig: TimestampConfig, transport: TimestampTransport = httpTransport) {
  const config = timestampConfigSchema.parse(rawConfig);
  return async (signatureValue: Buffer): Promise<Buffer> => {
    const request = encodeTimestampRequest(signatureValue, { certReq: config.certReq });
    const response = await transport(config.url, request.der, config.timeoutMs);
    return decodeTimestampResponse(response, request);
  };
}

function stripLeadingZeros(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}
