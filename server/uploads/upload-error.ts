// The one error type the upload checks throw: a stable machine code for clients and logs,
// the HTTP status the route should answer with, and a message the user can read.
export const UPLOAD_ERROR_CODES = {
  invalid_input: 400,
  empty_file: 400,
  file_too_large: 413,
  too_many_pixels: 413,
  not_an_image: 415,
  unsupported_type: 415,
  unsupported_heic: 415,
  corrupt_image: 422,
  truncated_image: 422,
  image_too_small: 422,
  decompression_bomb: 422,
  metadata_bomb: 422,
} as const;

export type UploadErrorCode = keyof typeof UPLOAD_ERROR_CODES;

export interface LocalisedText {
  "zh-CN": string;
  en: string;
}

export class ImageUploadError extends Error {
  readonly code: UploadErrorCode;
  readonly httpStatus: number;
  readonly userMessage: LocalisedText;
  /** Technical detail for logs; never shown to the user. */
  readonly detail: string;

  constructor(code: UploadErrorCode, userMessage: LocalisedText, detail: string) {
    super(`${code}: ${detail}`);
    this.name = "ImageUploadError";
    this.code = code;
    this.httpStatus = UPLOAD_ERROR_CODES[code];
    this.userMessage = userMessage;
    this.detail = detail;
  }

  toJSON() {
    return { code: this.code, httpStatus: this.httpStatus, message: this.userMessage };
  }
}
