// tRPC over real HTTP, as the pages call it (superjson bodies, the session cookie).
import superjson from "superjson";

export interface TrpcAnswer {
  status: number;
  text: string;
  body: { result?: { data: { json: unknown } }; error?: { json: { message: string; code: number; data: Record<string, unknown> } } };
  headers: Headers;
}

export async function trpcCall(
  baseUrl: string,
  path: string,
  input: unknown,
  opts: { kind?: "query" | "mutation"; cookie?: string; headers?: Record<string, string>; rawBody?: string } = {},
): Promise<TrpcAnswer> {
  const serialized = opts.rawBody ?? JSON.stringify(superjson.serialize(input));
  const headers: Record<string, string> = { ...(opts.cookie ? { Cookie: opts.cookie } : {}), ...opts.headers };
  const r =
    opts.kind === "query"
      ? await fetch(`${baseUrl}/api/trpc/${path}?input=${encodeURIComponent(serialized)}`, { headers })
      : await fetch(`${baseUrl}/api/trpc/${path}`, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: serialized });
  const text = await r.text();
  return { status: r.status, text, body: JSON.parse(text), headers: r.headers };
}

/** Logs a demo account in; returns its session cookie. */
export async function loginCookie(baseUrl: string, email: string, password: string): Promise<string> {
  const r = await trpcCall(baseUrl, "auth.login", { email, password });
  if (r.status !== 200) throw new Error(`login of ${email} failed: ${r.status} ${r.text}`);
  const cookie = r.headers.getSetCookie().find((c) => c.startsWith("cs_session="));
  if (!cookie) throw new Error("no session cookie");
  return cookie.split(";")[0]!;
}
