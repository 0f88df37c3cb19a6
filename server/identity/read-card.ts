// Reads a photo of an ID card front: its text lines, the name and number on
// it, and the portrait cut out upright as a JPEG (for the agent to set beside
// the live face). One job at a time per process: the model uses two threads
// and the machine runs calls beside it.
import sharp from "sharp";
import { cardFields, type CardFields } from "./card-fields";
import { CARD_LAYOUT } from "./card-layout";
import { loadOcrModel } from "./ocr-model";
import { cutOut, decodePhoto, readTextLines, type TextLine } from "./read-text";

export interface CardReading extends CardFields {
  lines: { text: string; confidence: number }[];
  /** The portrait crop, JPEG, or null when the card's layout was not found. */
  portraitJpeg: Buffer | null;
  model: { detectionSha256: string; recognitionSha256: string; dictionarySha256: string };
}

let queue: Promise<unknown> = Promise.resolve();

export function readCard(photo: Buffer): Promise<CardReading> {
  const run = queue.then(() => read(photo));
  queue = run.catch(() => undefined);
  return run;
}

async function read(photo: Buffer): Promise<CardReading> {
  const model = await loadOcrModel();
  const image = await decodePhoto(photo);
  const lines: TextLine[] = await readTextLines(image, model);
  const fields = cardFields(lines);
  let portraitJpeg: Buffer | null = null;
  if (fields.portrait) {
    const [tl, tr, , bl] = fields.portrait;
    const w = 240;
    const h = Math.round((w * (CARD_LAYOUT.portrait.height + 24)) / (CARD_LAYOUT.portrait.width + 24));
    const rgb = cutOut(image, tl, { x: tr.x - tl.x, y: tr.y - tl.y }, { x: bl.x - tl.x, y: bl.y - tl.y }, w, h);
    portraitJpeg = await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 88 }).toBuffer();
  }
  return {
    ...fields,
    lines: lines.map((l) => ({ text: l.text, confidence: Math.round(l.confidence * 1000) / 1000 })),
    portraitJpeg,
    model: { detectionSha256: model.sha256.detection, recognitionSha256: model.sha256.recognition, dictionarySha256: model.sha256.dictionary },
  };
}
