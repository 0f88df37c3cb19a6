// Short-lived TURN credentials for one participant, by the TURN REST API's
// shared-secret scheme (coturn's `use-auth-secret` + `static-auth-secret`):
//   username   = "<expiry, unix seconds>:<participant id>"
//   credential = base64(HMAC-SHA1(secret, username))
// The TURN server recomputes the credential from the same secret and refuses
// it after the expiry, so the browser only ever holds a password that dies on
// its own; the secret itself never leaves the server.
import { createHmac } from "node:crypto";

export interface TurnSettings {
  /** turn:/turns: URLs the browsers are given, e.g. turns:turn.example.com:443?transport=tcp. */
  urls: string[];
  secret: string;
  ttlSeconds: number;
}

export interface IceServer {
  urls: string[];
  username: string;
  credential: string;
}

export function turnCredentials(settings: TurnSettings, userId: string, nowMs = Date.now()): IceServer {
  const expiry = Math.floor(nowMs / 1000) + settings.ttlSeconds;
  // A colon in the user part would be read as the expiry's end by some servers.
  const username = `${expiry}:${userId.replace(/:/g, "_")}`;
  const credential = createHmac("sha1", settings.secret).update(username).digest("base64");
  return { urls: settings.urls, username, credential };
}

/** The iceServers list for a transport: empty when no TURN server is configured (one machine, LAN). */
export function iceServersFor(settings: TurnSettings | null, userId: string, nowMs = Date.now()): IceServer[] {
  return settings ? [turnCredentials(settings, userId, nowMs)] : [];
}
