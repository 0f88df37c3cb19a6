// Things other than a fingertip that get between the lens and the scene when a phone is held
// carelessly: the edge of a phone case or a wallet cover folded over the lens, a strap or
// lanyard hanging in front of it, a sleeve or glove. They are centimetres from the lens, so
// completely out of focus (a soft edge tens of pixels wide, no texture), and, unlike a finger,
// not lit through: black, dark or neutral (grey, beige, muted fabric colours), shaded only by
// the light falling on them. They enter from a side or a corner.
import type { Rng } from "../random";
import { smoothField } from "./field";
import type { RgbImage } from "./rgb-image";
import { srgbToLinear } from "./rgb-image";

export type EdgeObjectKind = "case_edge" | "case_corner" | "strap" | "sleeve";

/** Signed distance in px (positive inside the object) for one drawn shape. */
type Shape = (x: number, y: number) => number;

function randomShape(rng: Rng, kind: EdgeObjectKind, width: number, height: number): Shape {
  if (kind === "case_edge") {
    // A straight edge across one side, slightly tilted.
    const side = rng.int(0, 3);
    const depth = rng.uniform(0.12, 0.5) * (side < 2 ? width : height);
    const tilt = rng.uniform(-0.2, 0.2);
    // Inward normal of the side, turned by the tilt, from the middle of that side.
    const base = [0, Math.PI, Math.PI / 2, -Math.PI / 2][side]! + tilt;
    const mx = Math.cos(base), my = Math.sin(base);
    const rx = side === 1 ? width : side === 0 ? 0 : width / 2;
    const ry = side === 3 ? height : side === 2 ? 0 : height / 2;
    return (x, y) => depth - ((x - rx) * mx + (y - ry) * my);
  }
  if (kind === "case_corner") {
    // A rounded corner of a case: a large circle whose centre lies outside the frame's corner.
    const cx = rng.pick([0, width]), cy = rng.pick([0, height]);
    const out = rng.uniform(0, 0.4) * height;
    const ccx = cx === 0 ? -out : width + out, ccy = cy === 0 ? -out : height + out;
    const r = out * Math.SQRT2 + rng.uniform(0.3, 0.8) * height;
    return (x, y) => r - Math.hypot(x - ccx, y - ccy);
  }
  if (kind === "strap") {
    // A band of 6-30% of the frame's height from a point on one side, pointing inward; it
    // either ends inside the frame (rounded end) or crosses it.
    const side = rng.int(0, 3);
    const t = rng.uniform(0.15, 0.85);
    const x0 = side === 0 ? -10 : side === 1 ? width + 10 : t * width;
    const y0 = side === 2 ? -10 : side === 3 ? height + 10 : t * height;
    const inward = Math.atan2(height / 2 - y0, width / 2 - x0) + rng.uniform(-0.6, 0.6);
    const len = rng.uniform(0.4, 1.6) * Math.hypot(width, height);
    const halfW = (rng.uniform(0.06, 0.3) * height) / 2;
    const dx = Math.cos(inward), dy = Math.sin(inward);
    return (x, y) => {
      const along = Math.min(len, Math.max(0, (x - x0) * dx + (y - y0) * dy));
      return halfW - Math.hypot(x - (x0 + along * dx), y - (y0 + along * dy));
    };
  }
  // Sleeve or glove: a broad rounded mass from a side or a corner, larger than a fingertip.
  const corner = rng.chance(0.5);
  const ex = corner ? rng.pick([0, 1]) : rng.chance(0.5) ? rng.pick([0, 1]) : rng.uniform(0.2, 0.8);
  const ey = corner || ex === 0 || ex === 1 ? (corner ? rng.pick([0, 1]) : rng.uniform(0.2, 0.8)) : rng.pick([0, 1]);
  const cx = ex * width, cy = ey * height;
  const rx = rng.uniform(0.3, 0.8) * width, ry = rx * rng.uniform(0.5, 1);
  const angle = Math.atan2(height / 2 - cy, width / 2 - cx) + rng.uniform(-0.4, 0.4);
  const ca = Math.cos(angle), sa = Math.sin(angle), scale = Math.min(rx, ry);
  return (x, y) => {
    const u = ((x - cx) * ca + (y - cy) * sa) / rx;
    const v = (-(x - cx) * sa + (y - cy) * ca) / ry;
    return (1 - Math.sqrt(u * u + v * v)) * scale;
  };
}

/** A colour, in linear light, of something not lit through: black, dark, neutral or muted. */
function randomColour(rng: Rng): [number, number, number] {
  const kind = rng.weighted({ black: 0.4, grey: 0.3, muted: 0.3 });
  if (kind === "black") {
    const v = srgbToLinear(rng.uniform(0.02, 0.12));
    return [v * rng.uniform(0.9, 1.1), v, v * rng.uniform(0.9, 1.15)];
  }
  if (kind === "grey") {
    const v = srgbToLinear(rng.uniform(0.12, 0.6));
    return [v * rng.uniform(0.92, 1.08), v, v * rng.uniform(0.9, 1.1)];
  }
  // Muted fabric or leather (navy, brown, olive, burgundy, khaki): low saturation, any hue.
  const level = rng.uniform(0.1, 0.55), sat = rng.uniform(0.1, 0.45), hue = rng.uniform(0, 2 * Math.PI);
  return [0, 1, 2].map((c) => srgbToLinear(Math.min(1, Math.max(0, level * (1 + sat * Math.cos(hue - (c * 2 * Math.PI) / 3)))))) as [number, number, number];
}

/**
 * Composites an out-of-focus object entering from an edge; returns the covered fraction of the
 * frame, or 0 if no drawn shape covered a fraction within `coverage`.
 */
export function addEdgeObject(img: RgbImage, rng: Rng, coverage: [number, number], kind?: EdgeObjectKind): number {
  const { width, height, data } = img;
  const chosen = kind ?? (rng.weighted({ case_edge: 0.25, case_corner: 0.2, strap: 0.25, sleeve: 0.3 }) as EdgeObjectKind);
  for (let attempt = 0; attempt < 40; attempt++) {
    const shape = randomShape(rng, chosen, width, height);
    // Defocus width of the edge: the closer the object, the wider.
    const soft = rng.uniform(4, 30);
    // Coverage first on a coarse grid, so rejected shapes cost little.
    let coarse = 0, n = 0;
    for (let y = 2; y < height; y += 4) for (let x = 2; x < width; x += 4, n++) coarse += 1 / (1 + Math.exp(-shape(x, y) / soft));
    const est = coarse / n;
    if (est < coverage[0] * 0.9 || est > coverage[1] * 1.1) continue;
    const mask = new Float32Array(width * height);
    let area = 0;
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
      const m = 1 / (1 + Math.exp(-shape(x, y) / soft));
      mask[y * width + x] = m;
      area += m;
    }
    const frac = area / (width * height);
    if (frac < coverage[0] || frac > coverage[1]) continue;
    const colour = randomColour(rng);
    // Light falls unevenly on it (the scene's light from one side, the hand's shadow).
    const shade = smoothField(rng, width, height, 2);
    const shadeAmount = rng.uniform(0.1, 0.4);
    for (let p = 0; p < width * height; p++) {
      const m = mask[p]!;
      if (m < 1e-4) continue;
      const lum = Math.max(0.2, 1 + shadeAmount * shade[p]!);
      for (let c = 0; c < 3; c++) data[p * 3 + c] = data[p * 3 + c]! * (1 - m) + colour[c]! * lum * m;
    }
    return frac;
  }
  return 0;
}
