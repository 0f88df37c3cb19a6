// The PhotoGate backed by the ONNX quality model and sharp (server/quality).
import { assessPhoto, makeThumbnails, readPhotoMetadata, validateImage } from "../quality";
import type { PhotoGate } from "./photo-gate";

export function qualityPhotoGate(modelDir?: string): PhotoGate {
  return {
    async validate(bytes) {
      const v = await validateImage(bytes);
      return { format: v.format, width: v.orientedWidth, height: v.orientedHeight };
    },
    async assess(bytes) {
      const a = await assessPhoto(bytes, { modelDir });
      return {
        scores: a.scores,
        verdict: a.verdict,
        reasons: a.reasons.map((r) => ({ code: r.code, message: r.message, hint: r.hint })),
        modelSha256: a.modelSha256,
      };
    },
    async metadata(bytes) {
      const m = await readPhotoMetadata(bytes);
      return {
        // A camera time without a UTC offset is kept in exif only: guessing a zone would record a wrong instant.
        takenAt: m.takenAt && m.takenAtHasOffset ? new Date(m.takenAt) : null,
        gps: m.gps ? { lat: m.gps.latitude, lon: m.gps.longitude, accuracy: m.gps.accuracyM } : null,
        exif: { orientation: m.orientation, cameraTime: m.takenAt, camera: m.camera, gps: m.gps, warnings: m.warnings },
      };
    },
    async thumbnails(bytes) {
      const [small, large] = await makeThumbnails(bytes, [320, 1024]);
      return { small: small!.jpeg, large: large!.jpeg };
    },
  };
}
