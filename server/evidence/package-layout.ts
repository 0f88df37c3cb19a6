// Where each kind of file lives inside a package, and the names both the
// builder and the verifier rely on. Changing a name here changes the format.
import path from "node:path";

export const PACKAGE_FORMAT = "claims-survey-evidence/1";

export const FILES = {
  manifest: "manifest.json",
  manifestSignature: "manifest.sig",
  certificate: "signer-cert.pem",
  report: "report.pdf",
  survey: "survey.json",
  chat: "chat.json",
  events: "events.jsonl",
  treeHead: "event-tree-head.json",
  // The driver's statement and signature (absent when none was signed).
  statement: "statement/statement.txt",
  statementRecord: "statement/statement.json",
  signatureImage: "statement/signature.png",
  signatureStrokes: "statement/strokes.json",
  // The identity step (absent when none was started): the portrait cut from the card and what was read and attested.
  identityRecord: "identity/identity.json",
  identityPortrait: "identity/portrait.jpg",
} as const;

/** Files not listed in the manifest, because they are the manifest and its signature. */
export const UNLISTED = new Set<string>([FILES.manifest, FILES.manifestSignature]);

export const FILE_ROLES = [
  "report",
  "photo",
  "thumbnail",
  "recording",
  "chat",
  "events",
  "event-tree-head",
  "survey",
  "certificate",
  "statement",
  "statement-record",
  "signature-image",
  "signature-strokes",
  "identity-record",
  "identity-portrait",
] as const;
export type FileRole = (typeof FILE_ROLES)[number];

const EXTENSIONS: Record<string, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/webp": "webp",
  "image/heic": "heic",
  "image/heif": "heif",
  "video/webm": "webm",
  "audio/webm": "webm",
  "video/x-matroska": "mkv",
  "audio/x-matroska": "mka",
  "audio/ogg": "ogg",
  "video/mp4": "mp4",
  "audio/mp4": "m4a",
  "audio/wav": "wav",
};

/** Extension from the media type; falls back to the source file's own (sanitised) extension. */
export function extensionFor(mediaType: string, sourcePath: string): string {
  const known = EXTENSIONS[mediaType];
  if (known) return known;
  const ext = path.extname(sourcePath).slice(1).toLowerCase();
  return /^[a-z0-9]{1,8}$/.test(ext) ? ext : "bin";
}

export const photoPath = (captureId: string, mediaType: string, source: string) => `photos/${captureId}.${extensionFor(mediaType, source)}`;
export const thumbnailPath = (captureId: string, mediaType: string, source: string) =>
  `thumbnails/${captureId}.${extensionFor(mediaType, source)}`;
export const recordingPath = (recordingId: string, mediaType: string, source: string) =>
  `recordings/${recordingId}.${extensionFor(mediaType, source)}`;
