// The shots each claim type needs. Admins edit them (ChecklistTemplate); until
// then the defaults below apply. Overlays are drawn over the live camera
// preview from public/guides/.
import { z } from "zod";
import type { Db } from "../db/client";
import { claimType } from "./claim-input";

const text = z.object({ "zh-CN": z.string().min(1).max(200), en: z.string().min(1).max(200) });

export const checklistItem = z.object({
  key: z.string().regex(/^[a-z0-9_]{1,64}$/, "lower-case letters, digits and _ only"),
  label: text,
  instruction: text,
  overlay: z.string().regex(/^\/guides\/[a-z0-9-]+\.svg$/).nullable(),
  required: z.boolean(),
  /** Several photos may satisfy it (e.g. one close-up per damaged area). */
  multiple: z.boolean().default(false),
});
export type ChecklistItem = z.infer<typeof checklistItem>;
// The duplicate is reported at its own key, so an editor can mark the row.
export const checklistItems = z.array(checklistItem).min(1).max(40).superRefine((items, ctx) => {
  const seen = new Set<string>();
  items.forEach((it, i) => {
    if (seen.has(it.key)) ctx.addIssue({ code: "custom", path: [i, "key"], message: "item keys must be unique" });
    seen.add(it.key);
  });
});

const item = (key: string, zh: string, en: string, zhHint: string, enHint: string, overlay: string | null, required = true, multiple = false): ChecklistItem => ({
  key,
  label: { "zh-CN": zh, en },
  instruction: { "zh-CN": zhHint, en: enHint },
  overlay,
  required,
  multiple,
});

const motorDefault: ChecklistItem[] = [
  item("corner_front_left", "左前角", "Front-left corner", "站在车辆左前方约3米处，拍下整个车头和左侧。", "Stand about 3 m from the front-left corner; fit the whole front and left side in the frame.", "/guides/car-corner.svg"),
  item("corner_front_right", "右前角", "Front-right corner", "站在车辆右前方约3米处，拍下整个车头和右侧。", "Stand about 3 m from the front-right corner; fit the whole front and right side in the frame.", "/guides/car-corner.svg"),
  item("corner_rear_left", "左后角", "Rear-left corner", "站在车辆左后方约3米处，拍下整个车尾和左侧。", "Stand about 3 m from the rear-left corner; fit the whole rear and left side in the frame.", "/guides/car-corner.svg"),
  item("corner_rear_right", "右后角", "Rear-right corner", "站在车辆右后方约3米处，拍下整个车尾和右侧。", "Stand about 3 m from the rear-right corner; fit the whole rear and right side in the frame.", "/guides/car-corner.svg"),
  item("damage_closeup", "损伤近照", "Damage close-up", "靠近每处损伤约50厘米，让损伤位于框内。每处损伤拍一张。", "Get about 50 cm from each damaged area and keep it inside the frame. One photo per area.", "/guides/damage-closeup.svg", true, true),
  item("licence_plate", "车牌", "Licence plate", "正对车牌，让车牌填满框线。", "Face the plate straight on and fill the outline with it.", "/guides/plate.svg"),
  item("vin_plate", "车架号（VIN）", "VIN plate", "拍摄挡风玻璃左下角或车门柱上的车架号，字迹清晰。", "Photograph the VIN at the bottom of the windscreen or on the door pillar, sharp enough to read.", "/guides/vin.svg"),
  item("odometer", "里程表", "Odometer", "打开点火开关，正对仪表盘拍摄里程读数。", "Switch the ignition on and photograph the odometer reading straight on.", "/guides/odometer.svg"),
  item("driving_licence", "驾驶证", "Driving licence", "将驾驶证平放，避开反光，填满框线。", "Lay the driving licence flat, avoid glare, and fill the outline.", "/guides/card.svg"),
  item("id_card", "身份证", "ID card", "将身份证正面平放，避开反光，填满框线。", "Lay the ID card (front side) flat, avoid glare, and fill the outline.", "/guides/card.svg"),
];

const propertyDefault: ChecklistItem[] = [
  item("overview", "全景", "Overview", "退后拍下受损区域的全貌。", "Step back and capture the whole affected area.", null),
  item("damage_closeup", "损伤近照", "Damage close-up", "靠近每处损伤约50厘米拍摄。", "Get about 50 cm from each damaged area.", "/guides/damage-closeup.svg", true, true),
  item("id_card", "身份证", "ID card", "将身份证正面平放，避开反光，填满框线。", "Lay the ID card (front side) flat, avoid glare, and fill the outline.", "/guides/card.svg"),
];

export function defaultChecklist(type: z.infer<typeof claimType>): ChecklistItem[] {
  return type === "property" ? propertyDefault : motorDefault;
}

export async function checklistFor(db: Db, type: string): Promise<ChecklistItem[]> {
  const parsedType = claimType.parse(type);
  const row = await db.checklistTemplate.findUnique({ where: { claimType: parsedType } });
  if (!row) return defaultChecklist(parsedType);
  const parsed = checklistItems.safeParse(JSON.parse(row.items));
  return parsed.success ? parsed.data : defaultChecklist(parsedType);
}

/**
 * The checklist a survey works through: the one kept when it was created, so an
 * admin's later edit never renames, adds or removes shots under a running call.
 * Surveys created before the copy was kept fall back to the current template.
 */
export async function surveyChecklist(db: Db, survey: { checklist: string | null; claim: { claimType: string } }): Promise<ChecklistItem[]> {
  if (survey.checklist !== null) {
    const parsed = checklistItems.safeParse(JSON.parse(survey.checklist));
    if (parsed.success) return parsed.data;
  }
  return checklistFor(db, survey.claim.claimType);
}

export async function saveChecklist(db: Db, type: string, items: ChecklistItem[], userId: string) {
  const parsedType = claimType.parse(type);
  const valid = checklistItems.parse(items);
  await db.checklistTemplate.upsert({
    where: { claimType: parsedType },
    create: { claimType: parsedType, items: JSON.stringify(valid), updatedById: userId },
    update: { items: JSON.stringify(valid), updatedById: userId },
  });
}

export type ItemState = "missing" | "accepted" | "rejected" | "overridden";

/** An item's state from its photos: any accepted (or overridden) photo satisfies it. */
export function itemStates(items: ChecklistItem[], captures: { itemKey: string; verdict: string; overrideAt: Date | null }[]): Record<string, ItemState> {
  const out: Record<string, ItemState> = {};
  for (const it of items) {
    const mine = captures.filter((c) => c.itemKey === it.key);
    out[it.key] = mine.some((c) => c.verdict === "accepted")
      ? "accepted"
      : mine.some((c) => c.overrideAt)
        ? "overridden"
        : mine.length > 0
          ? "rejected"
          : "missing";
  }
  return out;
}
