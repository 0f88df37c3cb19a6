// A page whose scripts did not all arrive. A phone that changes network while the page loads
// (Wi-Fi to 4G, a tunnel, a base-station hand-over) can lose one of the page's script files
// (net::ERR_NETWORK_CHANGED, a dropped connection). The browser does not fetch a failed script
// again, so the server-rendered page shows but never comes alive: the driver's join button
// stays disabled, with nothing to say why. This runs inline, before the page's own scripts, and
// listens for a failed script of the page (an error event, no timer): it reloads the page, once
// the phone says it is online, waiting a little longer each time; after MAX_RELOADS in a row it
// stops and says so, with a button. Once the page is alive (PAGE_ALIVE_EVENT, sent by
// page-alive.tsx after hydration) it steps aside: a script that fails later (a lazily loaded
// part) must never reload a page in the middle of a call.
export const RELOADS_KEY = "claims-survey:reloads-after-failed-script";
export const PAGE_ALIVE_EVENT = "claims-survey:page-alive";
export const MAX_RELOADS = 3;

export interface RecoveryOptions {
  key: string;
  aliveEvent: string;
  maxReloads: number;
  text: string;
  button: string;
}

/**
 * Runs in the browser as an inline script (its source is written into the page by
 * page-load-recovery.tsx), so it uses nothing from outside its own body.
 */
export function recoverFailedScripts(o: RecoveryOptions): void {
  const read = (): number => {
    try {
      return Number(sessionStorage.getItem(o.key) ?? 0) || 0;
    } catch {
      return o.maxReloads; // no storage: never reload in a loop, just say so
    }
  };
  const write = (n: number | null): void => {
    try {
      if (n === null) sessionStorage.removeItem(o.key);
      else sessionStorage.setItem(o.key, String(n));
    } catch {
      // storage refused (private mode): read() then never allows a reload
    }
  };
  const say = (): void => {
    const box = document.createElement("section");
    box.className = "card";
    box.setAttribute("role", "alert");
    box.setAttribute("data-testid", "page-load-failed");
    const p = document.createElement("p");
    p.textContent = o.text;
    const b = document.createElement("button");
    b.type = "button";
    b.className = "primary";
    b.textContent = o.button;
    b.onclick = () => location.reload();
    box.append(p, b);
    document.body.prepend(box);
  };
  let handled = false;
  const onError = (e: Event): void => {
    const el = e.target as HTMLScriptElement | null;
    if (handled || !el || el.tagName !== "SCRIPT" || !/\/_next\//.test(el.src)) return;
    handled = true;
    const n = read();
    if (n >= o.maxReloads) {
      write(null);
      if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", say, { once: true });
      else say();
      return;
    }
    write(n + 1);
    // 1 s, 2 s, 4 s: a network that has just changed may need a moment to settle.
    const reload = () => setTimeout(() => location.reload(), 1000 * 2 ** n);
    if (navigator.onLine === false) window.addEventListener("online", reload, { once: true });
    else reload();
  };
  window.addEventListener("error", onError, true);
  document.addEventListener(
    o.aliveEvent,
    () => {
      window.removeEventListener("error", onError, true);
      if (!handled) write(null);
    },
    { once: true },
  );
}
