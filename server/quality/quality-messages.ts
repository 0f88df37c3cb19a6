// What the policyholder reads when a photo is refused, and what to do about it.
import type { DefectCode } from "./model-manifest";

export interface LocalisedText {
  "zh-CN": string;
  en: string;
}

export type ReasonCode = DefectCode | "low_quality";

export const REASON_TEXT: Record<ReasonCode, { message: LocalisedText; hint: LocalisedText }> = {
  motion_blur: {
    message: { "zh-CN": "照片因抖动而模糊", en: "Too blurry: the phone moved" },
    hint: { "zh-CN": "请双手拿稳手机，按下快门后停一秒再移动。", en: "Hold the phone still with both hands and wait a second after tapping the shutter." },
  },
  defocus: {
    message: { "zh-CN": "照片没有对焦", en: "Out of focus" },
    hint: { "zh-CN": "请点按屏幕上要拍的部位对焦，离物体至少 30 厘米。", en: "Tap the damaged area on the screen to focus, and stay at least 30 cm away." },
  },
  underexposure: {
    message: { "zh-CN": "照片太暗", en: "Too dark" },
    hint: { "zh-CN": "请打开闪光灯或手电筒，或移到光线更好的地方。", en: "Turn on the torch or flash, or move to better light." },
  },
  overexposure: {
    message: { "zh-CN": "照片太亮，细节丢失", en: "Too bright: details are washed out" },
    hint: { "zh-CN": "请关闭闪光灯，避免正对阳光，或点按屏幕上的亮处重新测光。", en: "Turn off the flash, don't shoot into the sun, or tap a bright area on the screen to re-meter." },
  },
  glare: {
    message: { "zh-CN": "有强烈反光", en: "Glare on the surface" },
    hint: { "zh-CN": "请换一个角度拍摄，让反光离开损伤部位。", en: "Change the angle so the reflection moves off the damaged area." },
  },
  noise: {
    message: { "zh-CN": "光线太弱，照片噪点太多", en: "Too grainy: not enough light" },
    hint: { "zh-CN": "请打开手电筒或移到更亮的地方再拍。", en: "Turn on the torch or move somewhere brighter." },
  },
  obstruction: {
    message: { "zh-CN": "镜头被遮挡或画面中没有拍摄对象", en: "Lens covered, or nothing in the picture" },
    hint: { "zh-CN": "请把手指移开镜头，并让车辆损伤部位位于画面中央。", en: "Keep your fingers off the lens and put the damaged part of the car in the middle of the frame." },
  },
  low_quality: {
    message: { "zh-CN": "照片质量不足", en: "Photo quality is too low" },
    hint: { "zh-CN": "请在光线充足处拿稳手机重新拍摄。", en: "Take the photo again in good light, holding the phone still." },
  },
};
