// What an invitee's page does before showing photos: trades its link token
// (header) for the survey's short-lived photo cookie. Returns it as a Cookie header value.
export async function photoCookie(baseUrl: string, inviteToken: string): Promise<string> {
  const r = await fetch(`${baseUrl}/api/captures/viewer`, { method: "POST", headers: { "X-Invite-Token": inviteToken } });
  if (r.status !== 204) throw new Error(`photo cookie refused: ${r.status} ${await r.text()}`);
  const set = r.headers.get("set-cookie") ?? "";
  return set.split(";")[0]!;
}
