// One master clock for a survey's recordings: every track is a separate file
// that started at its own wall-clock time, so each element plays at
// (master time − its start offset) and is nudged back when it drifts.
export interface ClockedTrack {
  el: HTMLMediaElement;
  /** Seconds from the survey's first recorded moment to this file's start. */
  offset: number;
  duration: number;
}

const MAX_DRIFT_S = 0.35;

export function syncTracks(tracks: ClockedTrack[], master: number, playing: boolean): void {
  for (const t of tracks) {
    const local = master - t.offset;
    const inside = local >= 0 && local <= t.duration;
    t.el.dataset.active = inside ? "1" : "0";
    // The track's place on the master clock, for anyone checking the sync (tests, devtools).
    t.el.dataset.offset = t.offset.toFixed(3);
    if (!inside) {
      if (!t.el.paused) t.el.pause();
      continue;
    }
    if (Math.abs(t.el.currentTime - local) > MAX_DRIFT_S) t.el.currentTime = local;
    if (playing && t.el.paused) void t.el.play().catch(() => undefined);
    if (!playing && !t.el.paused) t.el.pause();
  }
}
