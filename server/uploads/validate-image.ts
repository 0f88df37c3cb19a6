// Checks an uploaded photo before anything decodes its pixels: real type by magic bytes,
// byte size, header dimensions, completeness, metadata size and structure, and the ratio of
// declared pixels to bytes (decompression bombs). Throws ImageUploadError; returns what the
// header says so later steps need not parse it again.
import sharp, { type Metadata } from "sharp";
import { z } from "zod";
import { checkExifStructure } from "./check-exif-structure";
import { inspectJpeg, inspectPng, inspectWebp, type ContainerReport } from "./inspect-container";
import { sniffImageType } from "./sniff-image-type";
import { ImageUploadError, type LocalisedText, type UploadErrorCode } from "./upload-error";

export const UPLOAD_LIMITS = {
  maxBytes: 25 * 1024 * 1024,
  maxPixels: 50_000_000,
  minShortSide: 480,
  minLongSide: 640,
  /** A real photo of this many pixels cannot compress below this many bytes per pixel. */
  minBytesPerPixel: 0.002,
  minPixelsForRatioCheck: 2_000_000,
  maxMetadataBytes: 1024 * 1024,
  maxMetadataSegments: 64,
} as const;

export type AcceptedFormat = "jpeg" | "png" | "webp";

export interface ValidatedImage {
  format: AcceptedFormat;
  byteLength: number;
  /** Stored pixel size, before EXIF orientation. */
  width: number;
  height: number;
  /** EXIF orientation 1-8 (1 when absent). */
  orientation: number;
  /** Display size after EXIF orientation. */
  orientedWidth: number;
  orientedHeight: number;
}

const MESSAGES: Record<UploadErrorCode, LocalisedText> = {
  invalid_input: { "zh-CN": "上传内容无效，请重新拍照上传。", en: "The upload is not valid. Please take the photo again." },
  empty_file: { "zh-CN": "文件是空的，请重新拍照上传。", en: "The file is empty. Please take the photo again." },
  file_too_large: { "zh-CN": "照片文件超过 25 MB，请降低相机分辨率后重拍。", en: "The photo is larger than 25 MB. Lower the camera resolution and try again." },
  too_many_pixels: { "zh-CN": "照片像素超过 5000 万，请降低相机分辨率后重拍。", en: "The photo has more than 50 megapixels. Lower the camera resolution and try again." },
  not_an_image: { "zh-CN": "这不是照片文件（可能是文档或文本），请用相机拍照上传。", en: "This is not a photo (it looks like a document or text). Please take a photo with the camera." },
  unsupported_type: { "zh-CN": "不支持该图片格式，请上传 JPEG、PNG 或 WebP 照片。", en: "This image format is not supported. Please upload a JPEG, PNG or WebP photo." },
  unsupported_heic: { "zh-CN": "暂不支持 HEIC 格式。请在相机设置中选择“兼容性最佳”（JPEG）后重拍。", en: "HEIC photos are not supported yet. Set the camera format to “Most Compatible” (JPEG) and take the photo again." },
  corrupt_image: { "zh-CN": "照片文件已损坏，请重新拍照上传。", en: "The photo file is damaged. Please take the photo again." },
  truncated_image: { "zh-CN": "照片没有完整上传，请检查网络后重试。", en: "The photo was not uploaded completely. Check your connection and try again." },
  image_too_small: { "zh-CN": "照片尺寸太小，请用手机相机直接拍摄。", en: "The photo is too small. Please take it directly with the phone camera." },
  decompression_bomb: { "zh-CN": "照片文件异常，无法处理，请重新拍照上传。", en: "The photo file is abnormal and cannot be processed. Please take the photo again." },
  metadata_bomb: { "zh-CN": "照片附带的信息异常，无法处理，请用相机重新拍摄。", en: "The photo carries abnormal metadata and cannot be processed. Please take it again with the camera." },
};

/** The upload error for `code`, with the user's message from the one table above. */
export function uploadError(code: UploadErrorCode, detail: string): ImageUploadError {
  return new ImageUploadError(code, MESSAGES[code], detail);
}

function fail(code: UploadErrorCode, detail: string): never {
  throw uploadError(code, detail);
}

const BytesSchema = z.instanceof(Uint8Array, { message: "upload bytes must be a Uint8Array or Buffer" });

export async function validateImage(input: unknown): Promise<ValidatedImage> {
  const parsed = BytesSchema.safeParse(input);
  if (!parsed.success) fail("invalid_input", parsed.error.issues.map((i) => i.message).join("; "));
  const bytes = parsed.data;
  if (bytes.length === 0) fail("empty_file", "0 bytes");
  if (bytes.length > UPLOAD_LIMITS.maxBytes) fail("file_too_large", `${bytes.length} bytes > ${UPLOAD_LIMITS.maxBytes}`);

  const type = sniffImageType(bytes);
  if (type === "heic") fail("unsupported_heic", "HEIF/HEIC container; this server's libvips has no HEVC decoder");
  if (type === "pdf" || type === "text") fail("not_an_image", `content is ${type}`);
  if (type !== "jpeg" && type !== "png" && type !== "webp") fail("unsupported_type", `content is ${type}`);

  let report: ContainerReport;
  try {
    report = type === "jpeg" ? inspectJpeg(bytes) : type === "png" ? inspectPng(bytes) : inspectWebp(bytes);
  } catch (err) {
    fail("corrupt_image", `container walk failed: ${(err as Error).message}`);
  }
  if (report.problem) fail("corrupt_image", report.problem);
  if (!report.complete) fail("truncated_image", `${type} data ends early (${bytes.length} bytes)`);
  if (report.metadataBytes > UPLOAD_LIMITS.maxMetadataBytes || report.metadataSegments > UPLOAD_LIMITS.maxMetadataSegments) {
    fail("metadata_bomb", `${report.metadataSegments} metadata segments, ${report.metadataBytes} bytes`);
  }
  if (report.exif) {
    const exifProblem = checkExifStructure(report.exif);
    if (exifProblem) fail("metadata_bomb", exifProblem);
  }

  let meta: Metadata;
  try {
    // Header only: metadata() decodes no pixels, so it may see any declared size; the limit is
    // enforced just below, and every later decode passes the same cap as limitInputPixels.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    fail("corrupt_image", `header unreadable: ${(err as Error).message}`);
  }
  if (meta.format !== type) fail("corrupt_image", `magic bytes say ${type}, header parser says ${meta.format}`);
  const { width, height } = meta;
  if (!width || !height) fail("corrupt_image", "header has no dimensions");
  const pixels = width * height;
  if (pixels > UPLOAD_LIMITS.maxPixels) fail("too_many_pixels", `${width}x${height} = ${pixels} pixels`);
  if ((meta.pages ?? 1) > 1) fail("unsupported_type", `${meta.pages} frames (animated image)`);
  if (Math.min(width, height) < UPLOAD_LIMITS.minShortSide || Math.max(width, height) < UPLOAD_LIMITS.minLongSide) {
    fail("image_too_small", `${width}x${height}`);
  }
  if (pixels >= UPLOAD_LIMITS.minPixelsForRatioCheck && bytes.length / pixels < UPLOAD_LIMITS.minBytesPerPixel) {
    fail("decompression_bomb", `${bytes.length} bytes declare ${pixels} pixels`);
  }
  const orientation = meta.orientation && meta.orientation >= 1 && meta.orientation <= 8 ? meta.orientation : 1;
  const swap = orientation >= 5;
  return {
    format: type,
    byteLength: bytes.length,
    width,
    height,
    orientation,
    orientedWidth: swap ? height : width,
    orientedHeight: swap ? width : height,
  };
}
