// Counts live mediasoup objects through mediasoup's observer API, so health
// checks and tests can prove that nothing leaks when peers vanish or a survey
// ends: the numbers come from mediasoup itself, not from our bookkeeping.
import * as mediasoup from "mediasoup";

export interface ResourceCounts {
  workers: number;
  routers: number;
  transports: number;
  producers: number;
  consumers: number;
}

const counts: ResourceCounts = { workers: 0, routers: 0, transports: 0, producers: 0, consumers: 0 };
let installed = false;

function track(key: keyof ResourceCounts, observer: { once(e: "close", cb: () => void): unknown }) {
  counts[key]++;
  observer.once("close", () => counts[key]--);
}

export function installResourceCensus() {
  if (installed) return;
  installed = true;
  mediasoup.observer.on("newworker", (worker) => {
    track("workers", worker.observer);
    worker.observer.on("newrouter", (router) => {
      track("routers", router.observer);
      router.observer.on("newtransport", (transport) => {
        track("transports", transport.observer);
        transport.observer.on("newproducer", (p) => track("producers", p.observer));
        transport.observer.on("newconsumer", (c) => track("consumers", c.observer));
      });
    });
  });
}

export function resourceCounts(): ResourceCounts {
  return { ...counts };
}
