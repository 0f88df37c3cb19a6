"use client";
// The offer's ring: a short two-tone beep, repeated while the offer is open.
// Web Audio, made on the agent's own click (browsers let sound start only after
// a gesture); where the browser refuses, the card still flashes and counts down.
export class Ringer {
  private ctx: AudioContext | null = null;

  constructor() {
    try {
      this.ctx = new AudioContext();
    } catch {
      this.ctx = null;
    }
  }

  ring(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    void ctx.resume().catch(() => undefined);
    const t0 = ctx.currentTime;
    for (const [i, freq] of [880, 660].entries()) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.15, t0 + i * 0.25);
      gain.gain.exponentialRampToValueAtTime(0.001, t0 + i * 0.25 + 0.22);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0 + i * 0.25);
      osc.stop(t0 + i * 0.25 + 0.24);
    }
  }
}
