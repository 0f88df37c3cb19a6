// Reads what the phone recorded about a photo: orientation, camera time and GPS position.
// Camera time is kept as the camera wrote it (local time, offset only if the phone stored one):
// guessing a time zone would put a wrong instant into the evidence.
import exifr from "exifr";
import { z } from "zod";

export const PhotoMetadataSchema = z.object({
  orientation: z.number().int().min(1).max(8),
  /** "YYYY-MM-DDTHH:mm:ss" plus "±HH:MM" when the phone recorded its offset; null if absent. */
  takenAt: z.string().nullable(),
  takenAtHasOffset: z.boolean(),
  gps: z
    .object({
      latitude: z.number().min(-90).max(90),
      longitude: z.number().min(-180).max(180),
      /** Horizontal positioning error in metres (EXIF GPSHPositioningError), when recorded. */
      accuracyM: z.number().nonnegative().nullable(),
      altitudeM: z.number().nullable(),
    })
    .nullable(),
  camera: z.object({ make: z.string().nullable(), model: z.string().nullable() }),
  /** Metadata that was present but unusable (e.g. GPS outside valid ranges). */
  warnings: z.array(z.string()),
});
export type PhotoMetadata = z.infer<typeof PhotoMetadataSchema>;

const ExifDate = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/;
const Offset = /^[+-]\d{2}:\d{2}$/;

function text(v: unknown): string | null {
  return typeof v === "string" && v.trim() !== "" ? v.replace(/\0+$/, "").trim() : null;
}

/** Call after validateImage(): that check bounds the EXIF structure exifr will walk. */
export async function readPhotoMetadata(bytes: Uint8Array): Promise<PhotoMetadata> {
  const warnings: string[] = [];
  let tags: Record<string, unknown> = {};
  try {
    tags = (await exifr.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      tiff: true, exif: true, gps: true, ifd1: false, interop: false,
      xmp: false, icc: false, iptc: false, jfif: false, ihdr: false,
      translateValues: false, reviveValues: false, sanitize: true, mergeOutput: true,
    })) ?? {};
  } catch (err) {
    warnings.push(`EXIF unreadable: ${(err as Error).message}`);
  }

  const orientationRaw = tags.Orientation;
  const orientation = typeof orientationRaw === "number" && orientationRaw >= 1 && orientationRaw <= 8 ? orientationRaw : 1;

  let takenAt: string | null = null;
  let takenAtHasOffset = false;
  const dto = text(tags.DateTimeOriginal) ?? text(tags.CreateDate);
  const m = dto ? ExifDate.exec(dto) : null;
  if (m) {
    takenAt = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
    const offset = text(tags.OffsetTimeOriginal) ?? text(tags.OffsetTime);
    if (offset && Offset.test(offset)) {
      takenAt += offset;
      takenAtHasOffset = true;
    }
  } else if (dto) {
    warnings.push(`DateTimeOriginal "${dto}" is not an EXIF date`);
  }

  let gps: PhotoMetadata["gps"] = null;
  if (tags.latitude !== undefined || tags.longitude !== undefined) {
    const err = tags.GPSHPositioningError;
    const alt = tags.GPSAltitude;
    const candidate = {
      latitude: tags.latitude,
      longitude: tags.longitude,
      accuracyM: typeof err === "number" && Number.isFinite(err) ? err : null,
      altitudeM: typeof alt === "number" && Number.isFinite(alt) ? (tags.GPSAltitudeRef === 1 ? -alt : alt) : null,
    };
    const parsed = PhotoMetadataSchema.shape.gps.unwrap().safeParse(candidate);
    if (parsed.success && !(candidate.latitude === 0 && candidate.longitude === 0)) gps = parsed.data;
    else warnings.push(`GPS position unusable: ${JSON.stringify([candidate.latitude, candidate.longitude])}`);
  }

  return PhotoMetadataSchema.parse({
    orientation,
    takenAt,
    takenAtHasOffset,
    gps,
    camera: { make: text(tags.Make), model: text(tags.Model) },
    warnings,
  });
}
