// The photo gate: bytes in, verdict out. Validates the upload, decodes a small oriented copy
// (JPEG shrink-on-load), runs the verified quality model on windows covering the whole frame
// and turns its scores into reasons with hints the policyholder can act on.
import { createHash } from "node:crypto";
import * as ort from "onnxruntime-node";
import { ImageUploadError } from "../uploads/upload-error";
import { validateImage } from "../uploads/validate-image";
import { loadQualityModel } from "./load-quality-model";
import { frameRejected, judgeFrame, type FrameJudgement, type WindowJudgement } from "./combine-window-scores";
import { windowTones } from "./window-tones";
import { DEFECT_CODES, type DefectCode } from "./model-manifest";
import { PhotoAssessmentSchema, type PhotoAssessment, type QualityReason } from "./photo-assessment";
import { MODEL_INPUT_HEIGHT, MODEL_INPUT_WIDTH } from "./prepare-model-input";
import { prepareModelWindows } from "./prepare-model-windows";
import { REASON_TEXT } from "./quality-messages";

export interface AssessOptions {
  /** Folder holding model.onnx, model.sha256 and thresholds.json (default: the committed model). */
  modelDir?: string;
}

export async function assessPhoto(bytes: Uint8Array, options: AssessOptions = {}): Promise<PhotoAssessment> {
  return (await assessPhotoWithFrame(bytes, options)).assessment;
}

/**
 * assessPhoto's verdict together with the frame judgement it came from. The assessment is the
 * wire schema the browser gets; the evaluation (models/quality/cross-evaluate.ts) also needs the
 * exposure rules' answers for the frame, and reads them here rather than decoding it again.
 */
export async function assessPhotoWithFrame(bytes: Uint8Array, options: AssessOptions = {}): Promise<{ assessment: PhotoAssessment; frame: FrameJudgement }> {
  const model = await loadQualityModel(options.modelDir);
  const t0 = performance.now();
  const image = await validateImage(bytes);
  const t1 = performance.now();
  const photoSha256 = createHash("sha256").update(bytes).digest("hex");
  const t2 = performance.now();
  let windows: Uint8Array[];
  try {
    ({ windows } = await prepareModelWindows(bytes));
  } catch (err) {
    // The header was sound but the pixel data is not (libvips reports truncation or corruption).
    throw new ImageUploadError(
      "corrupt_image",
      { "zh-CN": "照片文件已损坏，请重新拍照上传。", en: "The photo file is damaged. Please take the photo again." },
      `decode failed: ${(err as Error).message}`,
    );
  }
  const t3 = performance.now();
  const { manifest } = model;
  const perWindow: WindowJudgement[] = [];
  for (const rgb of windows) {
    const out = await model.session.run({
      [manifest.input.name]: new ort.Tensor("uint8", rgb, [1, MODEL_INPUT_HEIGHT, MODEL_INPUT_WIDTH, 3]),
    });
    const raw = out.scores!.data as Float32Array;
    const scoreOf = (name: string) => {
      const i = manifest.outputs.indexOf(name as (typeof manifest.outputs)[number]);
      const v = raw[i];
      if (i < 0 || v === undefined || !Number.isFinite(v)) throw new Error(`quality model gave no score for ${name}`);
      return Math.min(1, Math.max(0, v));
    };
    perWindow.push({ scores: Object.fromEntries(DEFECT_CODES.map((d) => [d, scoreOf(d)])) as Record<DefectCode, number>, ...windowTones(rgb) });
  }
  const t4 = performance.now();

  // Window scores to reasons: the same rule as the live hints (combine-window-scores.ts), with
  // underexposure only for frames whose highlights leave headroom (highlight-headroom.ts),
  // overexposure only for frames whose shadows are lifted (shadow-floor.ts).
  const frame = judgeFrame(perWindow, manifest.thresholds as Record<DefectCode, number>);
  const { scores, overallScore } = frame;
  const rejected = frameRejected(frame, manifest.thresholds.overall);

  const reasons: QualityReason[] = frame.reasons
    .map((d) => ({ code: d, score: scores[d], threshold: manifest.thresholds[d], ...REASON_TEXT[d] }));
  if (rejected && reasons.length === 0) {
    reasons.push({ code: "low_quality", score: overallScore, threshold: manifest.thresholds.overall, ...REASON_TEXT.low_quality });
  }

  const assessment = PhotoAssessmentSchema.parse({
    verdict: rejected ? "rejected" : "accepted",
    reasons,
    scores,
    overallScore,
    modelSha256: model.sha256,
    photoSha256,
    image: { format: image.format, width: image.orientedWidth, height: image.orientedHeight, orientation: image.orientation },
    timings: {
      validateMs: t1 - t0,
      hashMs: t2 - t1,
      decodeMs: t3 - t2,
      inferenceMs: t4 - t3,
      totalMs: t4 - t0,
    },
  });
  return { assessment, frame };
}
