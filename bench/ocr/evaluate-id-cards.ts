// Accuracy of the identity step's OCR on generated ID-card-like photos
// (tests/support/id-card-image.ts): per condition, character accuracy
// (1 − edit distance / length, name and number together) and field accuracy
// (name exact, number exact, both), plus how often the portrait was found.
//
//   node --import tsx bench/ocr/evaluate-id-cards.ts [--per-condition 60] [--seed 2026] [--only 1,2,3] [--save-failures DIR]
//
// Writes a Markdown table to stdout; models/ocr/EVAL.md holds the last runs.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { cardFrontSvg, photographCard, randomPerson, randomShot, renderSvg, seededRandom, STRAIGHT, type Shot } from "../../tests/support/id-card-image";
import { readCard } from "../../server/identity/read-card";
import { idNumberValid } from "../../server/identity/id-number";

const { values } = parseArgs({
  options: { "per-condition": { type: "string", default: "60" }, seed: { type: "string", default: "2026" }, "save-failures": { type: "string" }, only: { type: "string" } },
});
const n = Number(values["per-condition"]);
const rand = seededRandom(Number(values.seed));

const conditions: { name: string; shot: () => Shot }[] = [
  { name: "straight, sharp, even light", shot: () => STRAIGHT },
  { name: "hand-held (±8° turn, ±12 % tilt, blur σ ≤ 1.4, shade ≤ 50 %)", shot: () => randomShot(rand) },
  { name: "hard (±13° turn, ±19 % tilt, blur σ ≤ 2.2, shade ≤ 80 %)", shot: () => randomShot(rand, true) },
  // Past what the quality gate lets through, to show where reading breaks down.
  { name: "stress: heavy blur (σ 2.5–4)", shot: () => ({ ...randomShot(rand), blur: 2.5 + rand() * 1.5 }) },
  {
    name: "stress: far, steep, dark (card 38–50 % of the width, ±20° turn, ±25 % tilt, shade 60–90 %, JPEG 45–60)",
    shot: () => ({ rotate: (rand() * 2 - 1) * 20, tiltX: (rand() * 2 - 1) * 0.25, tiltY: (rand() * 2 - 1) * 0.25, fill: 0.38 + rand() * 0.12, blur: rand() * 1.2, shade: 0.6 + rand() * 0.3, quality: 45 + Math.floor(rand() * 15) }),
  },
];

function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[y.length]!;
}

const pct = (k: number, total: number) => `${((100 * k) / total).toFixed(1)} %`;
const rows: string[] = [];
const started = Date.now();
let totalMs = 0;
let cards = 0;
// --only 4,5: just those conditions (1-based), e.g. to add a condition without re-running the others.
const chosen = values.only ? values.only.split(",").map((n) => conditions[Number(n) - 1]!) : conditions;
for (const c of chosen) {
  let chars = 0;
  let errors = 0;
  let nameOk = 0;
  let numberOk = 0;
  let bothOk = 0;
  let checkOk = 0;
  let portrait = 0;
  for (let i = 0; i < n; i++) {
    const person = randomPerson(rand);
    const photo = await photographCard(await renderSvg(cardFrontSvg(person)), c.shot());
    const t = Date.now();
    const r = await readCard(photo);
    totalMs += Date.now() - t;
    cards++;
    const name = r.name ?? "";
    const num = r.idNumber ?? "";
    chars += [...person.name].length + 18;
    errors += Math.min([...person.name].length, editDistance(name, person.name)) + Math.min(18, editDistance(num, person.idNumber));
    nameOk += Number(name === person.name);
    numberOk += Number(num === person.idNumber);
    bothOk += Number(name === person.name && num === person.idNumber);
    checkOk += Number(r.idNumber !== null && idNumberValid(r.idNumber));
    portrait += Number(r.portraitJpeg !== null);
    if (values["save-failures"] && (name !== person.name || num !== person.idNumber)) {
      mkdirSync(values["save-failures"], { recursive: true });
      writeFileSync(path.join(values["save-failures"], `${c.name.split(" ")[0]}-${i}.jpg`), photo);
      console.error(`${c.name.split(" ")[0]}-${i}: expected ${person.name} ${person.idNumber}, read ${name} ${num} | ${r.lines.map((l) => l.text).join(" / ")}`);
    }
  }
  rows.push(`| ${c.name} | ${n} | ${pct(chars - errors, chars)} | ${pct(nameOk, n)} | ${pct(numberOk, n)} | ${pct(bothOk, n)} | ${pct(checkOk, n)} | ${pct(portrait, n)} |`);
}

console.log(`Seed ${values.seed}, ${n} cards per condition, photos 1280 × 720 JPEG. Mean OCR time per card ${Math.round(totalMs / cards)} ms (whole run ${Math.round((Date.now() - started) / 1000)} s).\n`);
console.log("| condition | cards | character accuracy | name exact | number exact | both exact | number passes check | portrait found |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
for (const r of rows) console.log(r);
