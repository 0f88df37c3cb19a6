// Hashes and signatures are taken over bytes, so every JSON value we hash must
// serialise to exactly one byte string: keys sorted, no whitespace, ES number
// formatting (the RFC 8785 / JCS rules for the value space we produce).

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export function canonicalJson(value: unknown): string {
  return serialise(value, "$");
}

export function canonicalJsonBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), "utf8");
}

function serialise(value: unknown, where: string): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON: ${where} is ${value}, which JSON cannot represent`);
      return JSON.stringify(value);
    case "string":
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) return `[${value.map((v, i) => serialise(v, `${where}[${i}]`)).join(",")}]`;
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new TypeError(`canonical JSON: ${where} is a ${proto?.constructor?.name ?? "non-plain object"}, not plain data`);
      }
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => compareUtf16(a, b));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${serialise(v, `${where}.${k}`)}`).join(",")}}`;
    }
    default:
      throw new TypeError(`canonical JSON: ${where} is a ${typeof value}, which JSON cannot represent`);
  }
}

// RFC 8785 orders keys by UTF-16 code units, which is what < does on JS strings.
function compareUtf16(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
