// The one-time code's SMS, in the driver's language.
export function mobileCodeSmsText(locale: "zh-CN" | "en", code: string, validMinutes: number): string {
  if (locale === "zh-CN") return `您的视频报案验证码为 ${code}，${validMinutes} 分钟内有效。请勿告诉他人。`;
  return `Your video claim report code is ${code}. It is valid for ${validMinutes} minutes. Do not share it with anyone.`;
}
