// Download of a survey's evidence package as a .zip, built on demand from the
// package folder (packages are stored unzipped; zipping at build time would
// double the disk use of every survey for a file few people ever fetch).
//   GET /api/evidence/:surveyId/package.zip   who may: server/domain/survey-access.ts
//   ("archive.download": auditors and admins, logged)
import { promises as fs } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import yazl from "yazl";
import type { AppContext } from "../app-context";
import { DomainError } from "../domain/errors";
import { assertMayEverDo, auditUserId, authorizeOnSurvey } from "../domain/survey-access";
import { writeAuditLog } from "../archive/evidence-audit-log";
import { httpPrincipal, sendDomainError } from "./http-access";

export const EVIDENCE_ROUTE = /^\/api\/evidence\/([^/]+)\/package\.zip$/;
// Survey ids are plain ASCII: the raw path segment is checked as it is, never decoded.
const SURVEY_ID = /^[A-Za-z0-9_-]{1,64}$/;

function text(res: ServerResponse, status: number, message: string) {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
  res.end(message);
}

/** Handles the request if it is an evidence route; returns false otherwise. */
export async function handleEvidenceRoute(app: AppContext, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
  const m = EVIDENCE_ROUTE.exec(pathname);
  if (!m) return false;
  if (req.method !== "GET") return text(res, 405, "method not allowed"), true;
  try {
    await download(app, req, res, m[1]!);
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    sendDomainError(res, err);
  }
  return true;
}

async function download(app: AppContext, req: IncomingMessage, res: ServerResponse, rawSurveyId: string) {
  const principal = await httpPrincipal(app, req);
  assertMayEverDo(principal, "archive.download");
  if (!SURVEY_ID.test(rawSurveyId)) throw new DomainError("BAD_REQUEST", "bad survey id");
  const { survey, audited } = await authorizeOnSurvey(app.db, principal, "archive.download", rawSurveyId);
  const ev = await app.db.evidencePackage.findUnique({ where: { surveyId: survey.id } });
  if (!ev || ev.status !== "ready" || !ev.storagePath) throw new DomainError("NOT_FOUND", "no finished evidence package for this survey");

  const files = await listFiles(ev.storagePath);
  if (audited) await writeAuditLog(app.db, auditUserId(principal), "audit.download", { type: "survey", id: survey.id }, { manifestSha256: ev.manifestSha256, files: files.length });
  const name = path.basename(ev.storagePath);
  const zip = new yazl.ZipFile();
  for (const f of files) zip.addFile(f.full, f.rel, { mtime: f.mtime, mode: 0o100444, compress: !/\.(jpe?g|png|webp|heic|webm|mp4|pdf)$/i.test(f.rel) });
  zip.end();
  res.writeHead(200, {
    "Content-Type": "application/zip",
    "Content-Disposition": `attachment; filename="${name}.zip"`,
    "Cache-Control": "no-store",
  });
  await new Promise<void>((resolve, reject) => {
    zip.outputStream.on("error", reject).pipe(res).on("finish", resolve).on("error", reject);
    res.on("close", resolve);
  });
}

async function listFiles(root: string) {
  const out: { full: string; rel: string; mtime: Date }[] = [];
  const walk = async (dir: string) => {
    for (const d of await fs.readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, d.name);
      if (d.isDirectory()) await walk(full);
      else if (d.isFile()) out.push({ full, rel: path.relative(root, full).split(path.sep).join("/"), mtime: (await fs.stat(full)).mtime });
    }
  };
  await walk(root);
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}
