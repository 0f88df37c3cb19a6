// Download of a survey's evidence package as a .zip, built on demand from the
// package folder (packages are stored unzipped; zipping at build time would
// double the disk use of every survey for a file few people ever fetch).
//   GET /api/evidence/:surveyId/package.zip   auditor or admin session; logged
import { promises as fs } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { parse as parseCookies } from "cookie";
import yazl from "yazl";
import { z } from "zod";
import type { AppContext } from "../app-context";
import { SESSION_COOKIE, userForSessionToken } from "../auth/sessions";
import { writeAuditLog } from "../archive/evidence-audit-log";

const ROUTE = /^\/api\/evidence\/([^/]+)\/package\.zip$/;
const surveyIdParam = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

function text(res: ServerResponse, status: number, message: string) {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
  res.end(message);
}

/** Handles the request if it is an evidence route; returns false otherwise. */
export async function handleEvidenceRoute(app: AppContext, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
  const m = ROUTE.exec(pathname);
  if (!m) return false;
  if (req.method !== "GET") return text(res, 405, "method not allowed"), true;
  const surveyId = surveyIdParam.safeParse(decodeURIComponent(m[1]!));
  if (!surveyId.success) return text(res, 400, "bad survey id"), true;
  const user = await userForSessionToken(app.db, parseCookies(req.headers.cookie ?? "")[SESSION_COOKIE]);
  if (!user) return text(res, 401, "log in first"), true;
  if (user.role !== "auditor" && user.role !== "admin") return text(res, 403, "auditors and admins only"), true;
  const ev = await app.db.evidencePackage.findUnique({ where: { surveyId: surveyId.data } });
  if (!ev || ev.status !== "ready" || !ev.storagePath) return text(res, 404, "no finished evidence package for this survey"), true;

  const files = await listFiles(ev.storagePath);
  await writeAuditLog(app.db, user.id, "audit.download", { type: "survey", id: surveyId.data }, { manifestSha256: ev.manifestSha256, files: files.length });
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
  return true;
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
