// The app's one react-query cache and the rules every query and mutation follows, kept here
// so no panel chooses its own: what is tried again, and how panels that poll keep polling.
import { QueryClient } from "@tanstack/react-query";
import { mayPass } from "./trpc-client";

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // A weak link at the roadside drops calls: those are tried again (react-query's backoff,
        // 1 s, 2 s, 4 s), while a refusal by the server's rules (a withdrawn link, no right to a
        // survey) would only be refused again, so it shows at once.
        retry: (failures, err) => failures < 3 && mayPass(err),
        // A panel that must stay live polls (refetchInterval); the others show what they loaded.
        // Refetching on focus would re-ask every panel each time the agent comes back to the tab.
        refetchOnWindowFocus: false,
        // The agent's console often sits in a background tab while an offer may ring: polling
        // goes on there too.
        refetchIntervalInBackground: true,
        // Phones at the roadside: every call is sent whether or not the browser believes it is
        // online (navigator.onLine is often wrong on a weak link), and a dropped one fails and is
        // retried or shown, instead of being held with its button disabled until the browser says
        // it is back.
        networkMode: "always",
      },
      mutations: { retry: false, networkMode: "always" },
    },
  });
}
