// What can go wrong in the resumable upload of a photo's original, as one
// error type: a stable code for the phone and logs, the HTTP status, and words
// the person can read in both languages (the page picks its locale).
import type { LocalisedText } from "../uploads/upload-error";

const MESSAGES = {
  upload_unknown: [404, { "zh-CN": "找不到这次照片上传，请重新上传照片。", en: "This photo upload is unknown. Upload the photo again." }],
  upload_metadata_invalid: [400, { "zh-CN": "照片上传缺少必要信息（照片编号、清单项目或 SHA-256）。", en: "The photo upload lacks its photo key, checklist item or SHA-256." }],
  upload_too_large: [413, { "zh-CN": "照片文件超过 25 MB，请降低相机分辨率后重拍。", en: "The photo is larger than 25 MB. Lower the camera resolution and try again." }],
  chunk_too_large: [413, { "zh-CN": "这一段上传数据过大，请重试。", en: "This part of the upload is too large. Try again." }],
  chunk_beyond_length: [413, { "zh-CN": "上传的数据超过了照片声明的大小。", en: "The upload sends more bytes than the photo's declared size." }],
  offset_mismatch: [409, { "zh-CN": "上传位置与服务器已收到的不一致，请从服务器所示位置继续。", en: "The upload offset does not match what the server holds. Continue from the server's offset." }],
  upload_incomplete: [409, { "zh-CN": "照片还没有上传完整，请继续上传。", en: "The photo has not been uploaded completely yet. Continue the upload." }],
  hash_mismatch: [422, { "zh-CN": "收到的照片与手机上的 SHA-256 不一致，请重新上传。", en: "The received photo does not match the phone's SHA-256. Upload it again." }],
  compact_too_large: [413, { "zh-CN": "快速检查用的照片副本超过 256 KB。", en: "The compact copy for the quick check is larger than 256 KB." }],
  upload_rejected: [400, { "zh-CN": "照片上传请求无效，请重试。", en: "The photo upload request is invalid. Try again." }],
} as const satisfies Record<string, readonly [number, LocalisedText]>;

export type OriginalUploadErrorCode = keyof typeof MESSAGES;

export class OriginalUploadError extends Error {
  readonly httpStatus: number;
  readonly userMessage: LocalisedText;
  constructor(
    readonly code: OriginalUploadErrorCode,
    /** For logs only. */
    readonly detail = "",
  ) {
    super(`${code}${detail ? `: ${detail}` : ""}`);
    this.name = "OriginalUploadError";
    this.httpStatus = MESSAGES[code][0];
    this.userMessage = MESSAGES[code][1];
  }

  toJSON() {
    return { error: { code: this.code, message: this.userMessage } };
  }
}
