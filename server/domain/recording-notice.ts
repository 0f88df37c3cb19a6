// The recording notice the policyholder's phone shows, by version and language.
// The phone renders it from here and the evidence package quotes it from here,
// so the package proves the exact words that were on screen when consent was
// given. Wording changes get a new version; old versions are never edited.
// No imports: the phone's bundle includes this file.
export type NoticeLocale = "zh-CN" | "en";

interface NoticeText {
  title: string;
  body: string;
}

const NOTICES: Record<string, Record<NoticeLocale, NoticeText>> = {
  "2026-11-v1": {
    en: {
      title: "Recording notice",
      body:
        "To handle your claim, the insurer records the audio and video of this survey and the photos taken in it. " +
        "The recording is kept as claim evidence for 5 to 10 years as required for insurance records, and is only used " +
        "for this claim and for audits. Your claims agent will read this notice to you.",
    },
    "zh-CN": {
      title: "录音录像告知",
      body: "为办理您的理赔，保险公司将对本次视频查勘全程录音录像，并保存查勘中拍摄的照片。录音录像作为理赔证据按保险档案要求保存5至10年，仅用于本案理赔及审计。理赔专员将向您宣读本告知。",
    },
  },
};

/** Bumped whenever the notice's wording changes; the consent event records which one was shown. */
export const RECORDING_NOTICE_VERSION = "2026-11-v1";

export function recordingNotice(version: string, locale: NoticeLocale): NoticeText | undefined {
  return NOTICES[version]?.[locale];
}

export const recordingNoticeVersions = Object.keys(NOTICES);
