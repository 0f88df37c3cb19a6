// What guided capture needs from the image pipeline, so the capture flow does
// not depend on how validation, the model or thumbnails are implemented.
import type { CaptureWire } from "../signalling/protocol";

export interface PhotoGate {
  /** Checks type, size and pixel count before decoding; throws ImageUploadError. */
  validate(bytes: Buffer): Promise<{ format: "jpeg" | "png" | "webp"; width: number; height: number }>;
  assess(bytes: Buffer): Promise<{ scores: Record<string, number>; verdict: "accepted" | "rejected"; reasons: CaptureWire["reasons"]; modelSha256: string }>;
  metadata(bytes: Buffer): Promise<{ takenAt: Date | null; gps: { lat: number; lon: number; accuracy: number | null } | null; exif: Record<string, unknown> }>;
  thumbnails(bytes: Buffer): Promise<{ small: Buffer; large: Buffer }>;
}
