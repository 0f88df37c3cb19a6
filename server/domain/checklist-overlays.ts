// The overlay drawings an admin may pick for a checklist item: the SVGs shipped
// in public/guides/, which the phone draws over its camera preview.
import { readdirSync } from "node:fs";
import path from "node:path";

const guidesDir = path.resolve(import.meta.dirname, "../../public/guides");

// Read once: public/ ships with the build and does not change while the server runs.
export const checklistOverlays: readonly string[] = readdirSync(guidesDir)
  .filter((name) => /^[a-z0-9-]+\.svg$/.test(name))
  .sort()
  .map((name) => `/guides/${name}`);
