// Waits for a condition a test cannot hurry (a persistent timer firing, a page
// polling the server), by asking again every quarter second until it holds or
// the generous deadline of a loaded machine passes. No correctness rides on
// the deadline: it only turns a hang into a failure that names what was awaited.
export async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
