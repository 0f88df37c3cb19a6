// Glare: light that reaches the sensor without coming from the subject. Phones show it in
// several forms, all drawn here in linear light:
// - a specular reflection (sun or lamp on paint or glass) that saturates a patch: a
//   flat-topped blob with a soft edge ("flat");
// - a lens flare or a reflection seen slightly out of focus: a soft bell-shaped blob whose
//   centre reaches white only if it is strong enough ("gaussian");
// - the same light added by the optics rather than the scene, which can only brighten and
//   never exceeds white: the blob is screened over the scene, 1 − (1 − scene)(1 − light)
//   ("screen");
// - a veil of scattered light (dirty lens, sun just outside the frame) that lifts the blacks
//   and lowers contrast over a wide area, with or without a visible source.
import type { Rng } from "../random";
import type { RgbImage } from "./rgb-image";

export type GlareProfile = "flat" | "gaussian" | "screen";

export interface GlareSpec {
  blobs: { cx: number; cy: number; rx: number; ry: number; angle: number; intensity: number }[];
  veil: number;
  veilScale: number;
  streak: number;
  tint: [number, number, number];
  /** How each blob's light falls off and is combined with the scene; "flat" when absent. */
  profile?: GlareProfile;
}

/**
 * `moreForms` false draws only the flat-topped form, with exactly the random draws of the
 * renderer before 2026-12-03 (which the committed model was trained on).
 */
export function randomGlare(rng: Rng, width: number, height: number, strong: boolean, moreForms = true): GlareSpec {
  const profile: GlareProfile = moreForms ? (rng.weighted({ flat: 0.4, gaussian: 0.3, screen: 0.3 }) as GlareProfile) : "flat";
  // A veil-dominated flare: a weak, wide source (often just outside the frame) and a strong veil.
  const veiled = moreForms && strong && rng.chance(0.2);
  const n = strong ? rng.int(1, 2) : rng.int(1, 3);
  const blobs = Array.from({ length: n }, (_, i) => {
    const main = strong && i === 0;
    const r = main ? (veiled ? rng.uniform(0.15, 0.3) : rng.uniform(0.07, 0.22)) * width : rng.uniform(0.004, 0.02) * width;
    const aspect = rng.uniform(0.35, 1);
    const edge = veiled && rng.chance(0.5);
    return {
      cx: (edge ? rng.pick([rng.uniform(-0.1, 0.05), rng.uniform(0.95, 1.1)]) : rng.uniform(0.1, 0.9)) * width,
      cy: rng.uniform(0.1, 0.9) * height,
      rx: r,
      ry: r * aspect,
      angle: rng.uniform(0, Math.PI),
      // A bell-shaped or screened blob needs more light for its centre to saturate.
      intensity: main ? (veiled ? rng.uniform(0.6, 2) : rng.uniform(profile === "flat" ? 1.5 : 2, 6)) : rng.uniform(0.8, 3),
    };
  });
  const warm = rng.uniform(-0.08, 0.08);
  return {
    blobs,
    veil: strong ? (veiled ? rng.uniform(0.5, 0.85) : rng.uniform(0.15, 0.55)) : 0,
    veilScale: veiled ? rng.uniform(3, 6) : rng.uniform(2, 4),
    streak: strong && rng.chance(0.3) ? rng.uniform(0.3, 1.2) : 0,
    tint: [1 + warm, 1, 1 - warm],
    ...(moreForms ? { profile } : {}),
  };
}

/** Adds glare in linear light; returns the fraction of the frame it washes out. */
export function addGlare(img: RgbImage, spec: GlareSpec): number {
  const { width, height, data } = img;
  const profile = spec.profile ?? "flat";
  const spot = new Float32Array(width * height);
  const veil = new Float32Array(width * height);
  // How far a blob's own light reaches, in radii (d2 is the squared normalised distance).
  const spotReach2 = profile === "flat" ? 5 : 16;
  // Bounding box of a lone spot, in radii: 2.2 when no profile is given (as before 2026-12-03,
  // so the committed model's samples and the fixtures keep their bytes), else its full reach.
  const boxRadii = spec.profile === undefined ? 2.2 : Math.sqrt(spotReach2);
  for (const b of spec.blobs) {
    const cos = Math.cos(b.angle), sin = Math.sin(b.angle);
    // Only the veil (when present) and the streak reach far; the spot itself is negligible
    // beyond its reach, so small highlights only touch their bounding box.
    const reach = spec.veil > 0 || spec.streak > 0 ? Infinity : boxRadii * Math.max(b.rx, b.ry);
    const x0 = Math.max(0, Math.floor(b.cx - reach)), x1 = Math.min(width - 1, Math.ceil(b.cx + reach));
    const y0 = Math.max(0, Math.floor(b.cy - reach)), y1 = Math.min(height - 1, Math.ceil(b.cy + reach));
    const vs2 = spec.veilScale * spec.veilScale;
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const dx = x - b.cx, dy = y - b.cy;
        const u = (dx * cos + dy * sin) / b.rx;
        const v = (-dx * sin + dy * cos) / b.ry;
        const d2 = u * u + v * v;
        const p = y * width + x;
        if (d2 < spotReach2) {
          // Flat-topped core with a soft edge (a reflection saturating the sensor), or a bell
          // (a defocused source): same radius, different fall-off.
          spot[p]! += b.intensity * (profile === "flat" ? Math.exp(-Math.pow(d2, 1.5) * 1.2) : Math.exp(-d2 / 2));
        }
        if (spec.streak > 0) spot[p]! += spec.streak * b.intensity * 0.15 * Math.exp(-(v * v) * 40 - Math.abs(u) / 6);
        if (spec.veil > 0) veil[p] = Math.max(veil[p]!, Math.exp(-d2 / vs2));
      }
    }
  }
  let washed = 0;
  for (let p = 0; p < width * height; p++) {
    const i = p * 3;
    const vl = spec.veil * veil[p]!;
    const sp = spot[p]!;
    if (vl === 0 && sp === 0) continue;
    let bright = 0;
    for (let c = 0; c < 3; c++) {
      const veiled = data[i + c]! * (1 - vl) + vl * 0.9 * spec.tint[c]!;
      const light = sp * spec.tint[c]!;
      const out = profile === "screen" ? 1 - (1 - Math.min(1, veiled)) * (1 - Math.min(1, light)) : veiled + light;
      data[i + c] = out;
      if (out >= 0.97) bright++;
    }
    // A pixel counts as washed out when the glare clipped it or its veil replaced most of it.
    if ((bright === 3 && sp > 0.1) || vl > 0.45) washed++;
  }
  return washed / (width * height);
}
