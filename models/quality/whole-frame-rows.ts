// Clean TRAINING rows of whole photographs as the server sees them (issue 12, the fourth trial of
// 2026-12-06, models/quality/WHOLE-FRAMES-RULE.md). The rendered samples are 640x480 crops next to
// the defect boundary; the false rejects the issue counts are whole photographs, clean, cut into
// the server's windows. Here each TRAINING photograph, untouched, is framed as a phone would frame
// it (4:3, 16:9, portrait 9:16), saved as a JPEG and cut into windows by the server's own
// prepareModelWindows; every window is a row with no defect. Underexposure is left unlabelled, as
// the renderer leaves a dark-mood original at its own exposure: whether such a frame is too dark
// is the product's headroom rule, not something these rows should teach.
import sharp from "sharp";
import type * as ort from "onnxruntime-node";
import { MODEL_INPUT_HEIGHT, MODEL_INPUT_WIDTH } from "../../server/quality/prepare-model-input";
import { prepareModelWindows } from "../../server/quality/prepare-model-windows";
import { baselineScores } from "./baselines";
import { runModel, type Row } from "./dataset";
import { OUTPUTS, type Labels } from "./defects";
import type { PhotoSource } from "./fetch-sources";

/** Frames a phone gives: 4:3 and 16:9 landscape, 16:9 portrait (turned to landscape by the server). Cached by row-cache.ts. */
export const WHOLE_FRAME_SIZES = [
  [1600, 1200],
  [1920, 1080],
  [1080, 1920],
] as const;
const JPEG_QUALITY = 90;

export async function buildWholeFrameRows(sources: PhotoSource[], session: ort.InferenceSession): Promise<Row[]> {
  const labels = { ...(Object.fromEntries(OUTPUTS.map((o) => [o, 0])) as Labels), underexposure: null, overall: null };
  const rows: Row[] = [];
  for (const src of sources) {
    for (const [w, h] of WHOLE_FRAME_SIZES) {
      const jpeg = await sharp(src.file).rotate().resize(w, h, { fit: "cover" }).removeAlpha().toColourspace("srgb").jpeg({ quality: JPEG_QUALITY }).toBuffer();
      const { windows } = await prepareModelWindows(new Uint8Array(jpeg));
      for (const [i, rgb] of windows.entries()) {
        const { features } = await runModel(session, rgb);
        rows.push({
          sourceId: src.id,
          features,
          labels: { ...labels },
          baselines: baselineScores(rgb, MODEL_INPUT_WIDTH, MODEL_INPUT_HEIGHT),
          description: `clean whole frame ${w}×${h}, window ${i + 1} of ${windows.length}`,
        });
      }
    }
  }
  return rows;
}
