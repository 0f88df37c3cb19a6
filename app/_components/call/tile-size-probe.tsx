"use client";
// Fills its tile and reports the tile's size in device pixels whenever it
// changes, so the call can ask the server for the simulcast layer that fits.
import { useEffect, useRef } from "react";

export function TileSizeProbe({ onSize }: { onSize: (width: number, height: number) => void }) {
  const ref = useRef<HTMLSpanElement>(null);
  const latest = useRef(onSize);
  latest.current = onSize;
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const report = () => {
      const r = el.getBoundingClientRect();
      const dpr = window.devicePixelRatio || 1;
      latest.current(r.width * dpr, r.height * dpr);
    };
    const observer = new ResizeObserver(report);
    observer.observe(el);
    report();
    return () => observer.disconnect();
  }, []);
  return <span ref={ref} className="tile-size-probe" aria-hidden="true" />;
}
