// The inline script of app/_lib/page-load/script-recovery.ts, in the page's <head> so that it
// listens before any of the page's scripts can fail. The pages run under a CSP with a nonce
// per request (server/http/security-headers.ts), which Next.js reads from the request's
// Content-Security-Policy header; this script carries the same nonce.
import { headers } from "next/headers";
import { messages, type Locale } from "../_i18n/messages";
import { MAX_RELOADS, PAGE_ALIVE_EVENT, RELOADS_KEY, recoverFailedScripts, type RecoveryOptions } from "../_lib/page-load/script-recovery";

export async function PageLoadRecovery({ locale }: { locale: Locale }) {
  const csp = (await headers()).get("content-security-policy") ?? "";
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
  const options: RecoveryOptions = {
    key: RELOADS_KEY,
    aliveEvent: PAGE_ALIVE_EVENT,
    maxReloads: MAX_RELOADS,
    text: messages[locale]["page.loadFailed"],
    button: messages[locale]["page.reload"],
  };
  // JSON.stringify does not escape "</script>"; the texts are ours, but < is escaped anyway.
  const source = `(${recoverFailedScripts.toString()})(${JSON.stringify(options).replace(/</g, "\\u003c")});`;
  return <script nonce={nonce} dangerouslySetInnerHTML={{ __html: source }} />;
}
