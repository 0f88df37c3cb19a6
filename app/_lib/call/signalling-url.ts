export function signallingUrl(params: { invite: string } | { surveyId: string }): string {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const q = new URLSearchParams(params as Record<string, string>);
  return `${proto}//${location.host}/ws/survey?${q}`;
}
