import type { IssuedInvite } from "./invites";

export function inviteSmsText(locale: "zh-CN" | "en", invite: IssuedInvite, claimNumber: string): string {
  if (locale === "zh-CN") {
    const who = invite.role === "policyholder" ? "您好，您的理赔" : "查勘协作邀请：理赔";
    return `${who}案件 ${claimNumber} 需要进行视频查勘。请用手机浏览器打开链接加入：${invite.url}（有效期至 ${invite.expiresAt.toISOString().slice(0, 16).replace("T", " ")} UTC）`;
  }
  const who = invite.role === "policyholder" ? "Your claim" : "Field adjuster invitation: claim";
  return `${who} ${claimNumber} needs a video survey. Open this link in your phone's browser to join: ${invite.url} (valid until ${invite.expiresAt.toISOString().slice(0, 16).replace("T", " ")} UTC)`;
}
