// The resumable upload of a photo's original, over the tus protocol
// (tus.io; @tus/server with its file store): the phone sends the original in
// chunks and, after a drop or a reload, asks the server how far it got (HEAD)
// and continues from there (PATCH). Partial uploads live on the server's own
// disk until the phone commits the upload; then the bytes are checked against
// the SHA-256 the phone declared and handed to CaptureService.ingest like any
// photo. Who may touch an upload is decided before tus sees the request
// (server/http/original-upload-routes.ts); tus only moves bytes.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { EVENTS, Server } from "@tus/server";
import { FileStore } from "@tus/file-store";
import { Metadata, type Upload } from "@tus/utils";
import { z } from "zod";
import { OriginalUploadError } from "./original-upload-error";

export const ORIGINALS_PATH = "/api/captures/uploads";
export const MAX_ORIGINAL_BYTES = 25 * 1024 * 1024;
/** The phone sends 1 MB chunks; anything far larger is not our phone page. */
export const MAX_CHUNK_BYTES = 8 * 1024 * 1024;

/** What the phone declares when it starts an upload (Upload-Metadata). */
export const originalMetadata = z.object({
  key: z.string().regex(/^[A-Za-z0-9_-]{8,80}$/),
  item: z.string().regex(/^[a-z0-9_]{1,64}$/),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  capturedAt: z.iso.datetime({ offset: true }).optional(),
  gps: z
    .string()
    .regex(/^-?\d{1,3}(\.\d+)?,-?\d{1,3}(\.\d+)?(,\d+(\.\d+)?)?$/)
    .optional(),
  /** The fix's own time (the phone's clock), with `gps`. */
  gpsAt: z.iso.datetime({ offset: true }).optional(),
  /** Without `gps`: why the phone has no position for this photo (server/domain/place-report.ts). */
  place: z.enum(["refused", "unavailable", "unanswered"]).optional(),
});
export type OriginalMetadata = z.infer<typeof originalMetadata>;

/** An upload as the routes see it: the phone's declaration plus the survey it belongs to. */
export interface OriginalUpload {
  id: string;
  offset: number;
  size: number;
  meta: OriginalMetadata;
  surveyId: string;
  participantId: string;
}

/** Parses an Upload-Metadata header into the declaration, or throws the 400 that names it. */
export function parseDeclaredMetadata(header: string | undefined): OriginalMetadata {
  let raw: Record<string, string | null>;
  try {
    raw = Metadata.parse(header);
  } catch {
    throw new OriginalUploadError("upload_metadata_invalid", "Upload-Metadata does not parse");
  }
  const parsed = originalMetadata.safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== null)));
  if (!parsed.success) throw new OriginalUploadError("upload_metadata_invalid", parsed.error.issues.map((i) => i.path.join(".")).join(","));
  return parsed.data;
}

export class OriginalUploads {
  readonly store: FileStore;
  readonly tus: Server;
  /** The checked uploader of each creation request, from the route; tus's hook reads it, never a client header. */
  private readonly creators = new WeakMap<IncomingMessage, { surveyId: string; participantId: string }>();

  constructor(
    dir: string,
    onProgress: (u: OriginalUpload) => void,
  ) {
    this.store = new FileStore({ directory: dir });
    this.tus = new Server({
      path: ORIGINALS_PATH,
      datastore: this.store,
      relativeLocation: true,
      maxSize: MAX_ORIGINAL_BYTES,
      postReceiveInterval: 500,
      // Uploads finish by an explicit commit, so nobody deletes a half-sent original by accident.
      disableTerminationForFinishedUploads: true,
      onUploadCreate: async (req, upload) => {
        const node = (req as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;
        const creator = node && this.creators.get(node);
        if (!creator) throw { status_code: 403, body: JSON.stringify(new OriginalUploadError("upload_rejected", "no checked uploader")) };
        return { metadata: { ...upload.metadata, ...creator } };
      },
      // Whatever tus itself refuses still answers in the person's words, never tus's English.
      onResponseError(_req, err) {
        const status = "status_code" in err ? err.status_code : 500;
        if (status >= 500) return undefined;
        const code = status === 404 || status === 410 ? "upload_unknown" : status === 409 ? "offset_mismatch" : status === 413 ? "chunk_beyond_length" : "upload_rejected";
        return { status_code: status === 410 ? 404 : status, body: JSON.stringify(new OriginalUploadError(code, "refused by tus")) };
      },
    });
    this.tus.on(EVENTS.POST_RECEIVE, (_req, upload) => {
      const u = this.describe(upload);
      if (u) onProgress(u);
    });
  }

  /** Creates an upload for an uploader the route has checked. */
  async create(req: IncomingMessage, res: ServerResponse, creator: { surveyId: string; participantId: string }) {
    this.creators.set(req, creator);
    await this.tus.handle(req, res);
  }

  /** The upload with this id, or null when there is none (never created, committed, or expired). */
  async find(id: string): Promise<OriginalUpload | null> {
    let upload: Upload;
    try {
      upload = await this.store.getUpload(id);
    } catch {
      return null;
    }
    return this.describe(upload);
  }

  /**
   * Every upload of a survey the server holds, with how far each got: what a
   * page that joins (or reloads) is told about photos still on their way. Read
   * from the store itself, so it is right after a server restart too; the
   * abandoned-upload sweep keeps the folder small enough to read per join.
   */
  async forSurvey(surveyId: string): Promise<OriginalUpload[]> {
    const names = await readdir(this.store.directory).catch(() => [] as string[]);
    const out: OriginalUpload[] = [];
    for (const name of names) {
      if (!name.endsWith(".json")) continue;
      const u = await this.find(name.slice(0, -".json".length));
      if (u && u.surveyId === surveyId) out.push(u);
    }
    return out;
  }

  private describe(upload: Upload): OriginalUpload | null {
    const m = upload.metadata ?? {};
    const meta = originalMetadata.safeParse(Object.fromEntries(Object.entries(m).filter(([, v]) => v !== null)));
    if (!meta.success || !m.surveyId || !m.participantId || upload.size === undefined) return null;
    return { id: upload.id, offset: upload.offset, size: upload.size, meta: meta.data, surveyId: m.surveyId, participantId: m.participantId };
  }

  /** The complete original's bytes, checked against the hash the phone declared. */
  async completeBytes(u: OriginalUpload): Promise<Buffer> {
    if (u.offset !== u.size) throw new OriginalUploadError("upload_incomplete", `${u.offset}/${u.size}`);
    const bytes = await readFile(path.join(this.store.directory, u.id));
    if (bytes.length !== u.size) throw new OriginalUploadError("upload_incomplete", `file has ${bytes.length}/${u.size}`);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    if (sha256 !== u.meta.sha256) {
      // The bytes are not the phone's photo: drop them so the phone starts over.
      await this.remove(u.id);
      throw new OriginalUploadError("hash_mismatch", `${sha256} != ${u.meta.sha256}`);
    }
    return bytes;
  }

  async remove(id: string) {
    await this.store.remove(id).catch(() => undefined);
  }
}
