// The identity step's three shots. Not checklist items an admin edits: every
// survey has them, whatever its claim type, and the phone switches to the
// front camera for the face. The capture service accepts them beside the
// survey's checklist (server/capture/capture-service.ts).
import type { ChecklistItem } from "../domain/checklists";

export const IDENTITY_ITEM_KEYS = { front: "identity_card_front", back: "identity_card_back", face: "identity_face" } as const;
export type IdentityShot = keyof typeof IDENTITY_ITEM_KEYS;

export interface IdentityItem extends ChecklistItem {
  /** The camera the phone must use for this shot. */
  facing: "user" | "environment";
}

export const IDENTITY_ITEMS: readonly IdentityItem[] = [
  {
    key: IDENTITY_ITEM_KEYS.front,
    label: { "zh-CN": "身份证人像面", en: "ID card, front (photo side)" },
    instruction: { "zh-CN": "将身份证人像面平放，避开反光，让卡片填满框线。", en: "Lay the ID card photo side up, avoid glare, and fill the outline with the card." },
    overlay: "/guides/id-card-front.svg",
    required: true,
    multiple: false,
    facing: "environment",
  },
  {
    key: IDENTITY_ITEM_KEYS.back,
    label: { "zh-CN": "身份证国徽面", en: "ID card, back (emblem side)" },
    instruction: { "zh-CN": "翻到国徽面，平放，避开反光，让卡片填满框线。", en: "Turn the card over to the emblem side, lay it flat, avoid glare, and fill the outline." },
    overlay: "/guides/id-card-back.svg",
    required: true,
    multiple: false,
    facing: "environment",
  },
  {
    key: IDENTITY_ITEM_KEYS.face,
    label: { "zh-CN": "本人面部", en: "Your face" },
    instruction: { "zh-CN": "已切换到前置摄像头。正对手机，让面部位于椭圆框内，摘下帽子和墨镜。", en: "The front camera is on. Face the phone with your face inside the oval; take off hat and sunglasses." },
    overlay: "/guides/face.svg",
    required: true,
    multiple: false,
    facing: "user",
  },
];

export function identityItem(key: string): IdentityItem | undefined {
  return IDENTITY_ITEMS.find((i) => i.key === key);
}
