// A THIRD defect generator, for evaluation only. The second generator's forms (straight
// streaks, independent Gaussian noise, screened glare, dark blobs) informed the training
// renderer on 2026-12-03, so its figures are no longer independent of training; this one is.
// It draws every defect with ImageMagick (Debian's `imagemagick`, IM 6: `convert`), an outside
// implementation shared with neither the training renderer (render-sample.ts, degrade/*) nor
// the second generator, on the same full-resolution frames (1600x1200 to 4000x3000). Each
// defect is sized relative to the frame so that it is CLEARLY visible at any resolution,
// including at the 480-px-high scale the gate judges:
// - motion blur: IM's -motion-blur (a one-sided, Gaussian-weighted streak), sigma 0.8-1.3% of
//   the width, any angle;
// - defocus: IM's -blur (Gaussian), sigma 0.4-0.7% of the width;
// - exposure: IM's linear RGB colourspace, -evaluate Multiply by 2^EV (+1.6…+2.6 or −2.3…−3.3 EV),
//   clipped by the 16-bit quantum, back to sRGB;
// - glare: one or two white or tinted ellipses (radius 8-16% of the width) with blurred rims (a reflection slightly out of focus), or a
//   wide radial-gradient flare whose core saturates, composited with IM's Screen operator;
// - noise: IM's +noise Gaussian (signal-independent) or Poisson (signal-dependent) drawn on a
//   grid 720 px high (as a phone that bins its pixels in low light) and enlarged to the frame,
//   so its grain survives the gate's reduction; sigma 0.08-0.12 at mid-grey;
// - obstruction: a dark or neutral band with a straight edge from one side (a case or a strap),
//   or a disc from a corner in a skin, fabric or black colour (a thumb, a sleeve), covering
//   20-35% of the frame, its edge blurred as something centimetres from the lens.
// The frame is handed to ImageMagick as a PPM and read back as one, so the JPEG encoding
// (sharp, quality 92) is exactly that of the clean copies: only the defect differs.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import type { Rng } from "../random";
import type { Raw } from "./second-generator";

export const THIRD_DEFECTS = [
  "im_motion_blur",
  "im_gaussian_blur",
  "im_overexposure",
  "im_underexposure",
  "im_glare_spots",
  "im_flare_gradient",
  "im_gaussian_noise",
  "im_poisson_noise",
  "im_edge_band",
  "im_corner_object",
] as const;
export type ThirdDefect = (typeof THIRD_DEFECTS)[number];

export const THIRD_EXPECTED_REASON: Record<ThirdDefect, string> = {
  im_motion_blur: "motion_blur",
  im_gaussian_blur: "defocus",
  im_overexposure: "overexposure",
  im_underexposure: "underexposure",
  im_glare_spots: "glare",
  im_flare_gradient: "glare",
  im_gaussian_noise: "noise",
  im_poisson_noise: "noise",
  im_edge_band: "obstruction",
  im_corner_object: "obstruction",
};
/** Reasons that also count as right (a blur the model calls by the other blur name). */
export const THIRD_ALSO_RIGHT: Partial<Record<ThirdDefect, string[]>> = {
  im_motion_blur: ["defocus"],
  im_gaussian_blur: ["motion_blur"],
};

/** IM 6's convert. /usr/bin first: other `convert` programs on PATH may stand in for it. */
function imageMagick(): string {
  for (const p of ["/usr/bin/convert-im6.q16", "/usr/bin/magick", "/usr/bin/convert"]) if (existsSync(p)) return p;
  throw new Error("ImageMagick not found: apt-get install imagemagick");
}

function ppm(r: Raw): Buffer {
  return Buffer.concat([Buffer.from(`P6\n${r.width} ${r.height}\n255\n`), r.data]);
}

function readPpm(buf: Buffer, width: number, height: number): Buffer {
  // Header: "P6\n<w> <h>\n255\n" (IM writes no comments for ppm:-).
  let pos = 0, fields = 0;
  while (fields < 4) {
    while (buf[pos] === 0x20 || buf[pos] === 0x0a) pos++;
    while (buf[pos] !== 0x20 && buf[pos] !== 0x0a) pos++;
    fields++;
  }
  const data = buf.subarray(pos + 1);
  if (data.length !== width * height * 3) throw new Error(`ImageMagick returned ${data.length} bytes for ${width}x${height}`);
  return data;
}

const fmt = (v: number) => v.toFixed(2);
/** An ImageMagick geometry offset: "+12-5" (a sign is always written). */
const offset = (x: number, y: number) => `${x >= 0 ? "+" : ""}${x}${y >= 0 ? "+" : ""}${y}`;

/** The ImageMagick arguments drawing `defect` on in.ppm (in `dir`), and what they draw. */
function defectArgs(defect: ThirdDefect, W: number, H: number, rng: Rng, dir: string): { args: string[]; description: string } {
  const input = path.join(dir, "in.ppm");
  const S = Math.min(W, H);
  // Masks and light layers are smooth, so they are drawn at a quarter of the size and enlarged.
  const qW = Math.round(W / 4), qH = Math.round(H / 4);
  switch (defect) {
    case "im_motion_blur": {
      const sigma = rng.uniform(0.008, 0.013) * W, angle = rng.uniform(0, 360);
      return { args: [input, "-motion-blur", `0x${fmt(sigma)}+${fmt(angle)}`], description: `-motion-blur sigma ${fmt(sigma)} px at ${fmt(angle)}°` };
    }
    case "im_gaussian_blur": {
      const sigma = rng.uniform(0.004, 0.007) * W;
      return { args: [input, "-blur", `0x${fmt(sigma)}`], description: `-blur sigma ${fmt(sigma)} px` };
    }
    case "im_overexposure":
    case "im_underexposure": {
      const ev = defect === "im_overexposure" ? rng.uniform(1.6, 2.6) : -rng.uniform(2.3, 3.3);
      return {
        args: [input, "-colorspace", "RGB", "-evaluate", "Multiply", (2 ** ev).toFixed(4), "-colorspace", "sRGB"],
        description: `${ev > 0 ? "+" : ""}${fmt(ev)} EV in linear RGB, clipped`,
      };
    }
    case "im_glare_spots": {
      const n = rng.int(1, 2);
      const draws: string[] = [];
      const parts: string[] = [];
      let blurQ = 0;
      for (let i = 0; i < n; i++) {
        const rx = rng.uniform(0.08, 0.16) * qW, ry = rx * rng.uniform(0.5, 1);
        const cx = rng.uniform(0.15, 0.85) * qW, cy = rng.uniform(0.15, 0.85) * qH;
        draws.push("-draw", `ellipse ${fmt(cx)},${fmt(cy)} ${fmt(rx)},${fmt(ry)} 0,360`);
        blurQ = Math.max(blurQ, rx * rng.uniform(0.2, 0.35));
        parts.push(`${fmt((rx * 4) / W * 100)}% of the width`);
      }
      const warm = Math.round(rng.uniform(225, 255));
      return {
        args: [
          input,
          "(", "-size", `${qW}x${qH}`, "xc:black", "-fill", `rgb(255,${Math.round((255 + warm) / 2)},${warm})`, ...draws, "-blur", `0x${fmt(blurQ)}`, "-resize", `${W}x${H}!`, ")",
          "-compose", "Screen", "-composite",
        ],
        description: `${n} blurred ellipse(s) screened on (${parts.join(", ")})`,
      };
    }
    case "im_flare_gradient": {
      const D = Math.round(rng.uniform(0.5, 0.9) * qW);
      const x = Math.round(rng.uniform(-0.2, 0.8) * qW), y = Math.round(rng.uniform(-0.2, 0.7) * qH);
      const gain = rng.uniform(1.4, 2);
      return {
        args: [
          input,
          "(", "-size", `${qW}x${qH}`, "xc:black",
          "(", "-size", `${D}x${D}`, "radial-gradient:white-black", "-evaluate", "Multiply", fmt(gain), ")",
          "-geometry", offset(x - Math.round(D / 2), y - Math.round(D / 2)), "-compose", "Screen", "-composite",
          "-resize", `${W}x${H}!`, ")",
          "-compose", "Screen", "-composite",
        ],
        description: `radial-gradient flare ${fmt((D * 4) / W * 100)}% of the width, core ×${fmt(gain)}`,
      };
    }
    case "im_gaussian_noise":
    case "im_poisson_noise": {
      const sigma = rng.uniform(0.08, 0.12);
      // ImageMagick draws noise from its own generator, seeded from the clock unless told: the
      // same image must come out of the same seed, run after run.
      const seed = ["-seed", String(rng.int(1, 2 ** 31 - 1))];
      const g = Math.min(1, 720 / S);
      const gW = Math.round(W * g), gH = Math.round(H * g);
      if (defect === "im_gaussian_noise") {
        // IM 6's Gaussian noise on mid-grey has sigma 0.078 of full scale at -attenuate 1.
        const att = sigma / 0.078;
        return {
          args: [
            ...seed,
            input,
            "(", "-size", `${gW}x${gH}`, "xc:gray50", "-attenuate", fmt(att), "+noise", "Gaussian", "-resize", `${W}x${H}!`, ")",
            "-compose", "Mathematics", "-define", "compose:args=0,1,1,-0.5", "-composite",
          ],
          description: `+noise Gaussian sigma ${fmt(sigma)} on a ${gW}x${gH} grid`,
        };
      }
      // Poisson: noise of the frame itself at the grid size (so it follows the signal), kept as
      // a difference from the noiseless small frame, enlarged and added.
      const att = sigma / 0.196; // IM 6's Poisson noise on mid-grey: sigma 0.196 at -attenuate 1
      return {
        args: [
          ...seed,
          input,
          "(", "+clone", "-resize", `${gW}x${gH}!`, "-write", "mpr:small", "-attenuate", fmt(att), "+noise", "Poisson",
          "mpr:small", "-compose", "Mathematics", "-define", "compose:args=0,-1,1,0.5", "-composite",
          "-resize", `${W}x${H}!`, ")",
          "-compose", "Mathematics", "-define", "compose:args=0,1,1,-0.5", "-composite",
        ],
        description: `+noise Poisson sigma ${fmt(sigma)} at mid-grey on a ${gW}x${gH} grid`,
      };
    }
    case "im_edge_band":
    case "im_corner_object": {
      const cover = rng.uniform(0.2, 0.35);
      let shape: string;
      let what: string;
      if (defect === "im_edge_band") {
        // A quadrilateral from one side whose inner edge is straight and tilted; its area is
        // the mean depth times the side's length.
        const side = rng.int(0, 3);
        const across = side < 2 ? qW : qH, along = side < 2 ? qH : qW;
        const mean = cover * across, tilt = rng.uniform(-0.4, 0.4) * mean;
        const d1 = mean - tilt, d2 = mean + tilt;
        const pts =
          side === 0 ? [[-20, -20], [d1, -20], [d2, along + 20], [-20, along + 20]]
          : side === 1 ? [[qW + 20, -20], [qW - d1, -20], [qW - d2, along + 20], [qW + 20, along + 20]]
          : side === 2 ? [[-20, -20], [-20, d1], [along + 20, d2], [along + 20, -20]]
          : [[-20, qH + 20], [-20, qH - d1], [along + 20, qH - d2], [along + 20, qH + 20]];
        shape = `polygon ${pts.map(([a, b]) => `${fmt(a!)},${fmt(b!)}`).join(" ")}`;
        what = `band from the ${["left", "right", "top", "bottom"][side]} side`;
      } else {
        // A quarter disc in a corner: area πr²/4.
        const r = Math.sqrt((4 * cover * qW * qH) / Math.PI);
        const cx = rng.pick([0, qW]), cy = rng.pick([0, qH]);
        shape = `circle ${cx},${cy} ${fmt(cx + r)},${cy}`;
        what = `disc from the ${cy === 0 ? "top" : "bottom"}-${cx === 0 ? "left" : "right"} corner`;
      }
      const palette: Record<string, string> = {
        black: "rgb(12,12,14)", charcoal: "rgb(48,47,50)", navy: "rgb(28,34,62)", brown: "rgb(72,48,34)",
        grey: "rgb(120,120,118)", beige: "rgb(176,160,132)", skin: "rgb(205,150,120)", dark_skin: "rgb(110,72,52)",
      };
      const colours = defect === "im_edge_band" ? ["black", "charcoal", "navy", "brown", "grey"] : Object.keys(palette);
      const colour = rng.pick(colours);
      const soft = rng.uniform(0.01, 0.03) * qW;
      return {
        args: [
          input,
          "(", "-size", `${W}x${H}`, `xc:${palette[colour]}`, ")",
          "(", "-size", `${qW}x${qH}`, "xc:black", "-fill", "white", "-draw", shape, "-blur", `0x${fmt(soft)}`, "-resize", `${W}x${H}!`, ")",
          "-compose", "Over", "-composite",
        ],
        description: `${colour} ${what}, about ${fmt(cover * 100)}% of the frame, edge blurred ${fmt(soft * 4)} px`,
      };
    }
  }
}

/** Draws one clearly visible defect with ImageMagick; returns JPEG bytes (quality 92, sharp) and what was drawn. */
export async function drawThirdDefect(base: Raw, defect: ThirdDefect, rng: Rng): Promise<{ jpeg: Buffer; description: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), "third-gen-"));
  try {
    writeFileSync(path.join(dir, "in.ppm"), ppm(base));
    const { args, description } = defectArgs(defect, base.width, base.height, rng, dir);
    // One thread: the machine is shared, and the result must not depend on the thread count.
    const out = execFileSync(imageMagick(), ["-limit", "thread", "1", ...args, "-depth", "8", "ppm:-"], { maxBuffer: 1 << 30 });
    const data = readPpm(out, base.width, base.height);
    const jpeg = await sharp(data, { raw: { width: base.width, height: base.height, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
    return { jpeg, description };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
