// An invite link is the whole credential of a policyholder or a field adjuster.
// Staff views of messages that carry one (the SMS outbox) show it masked: the
// start of the token stays, so a support call can still match "the link that
// starts with aB3x", the rest does not.
const joinLink = /(\/join\/)([A-Za-z0-9_-]{4})[A-Za-z0-9_-]{12,}/g;

export const MASK = "••••••••";

export function maskInviteLinks(text: string): string {
  return text.replace(joinLink, (_m, prefix: string, start: string) => `${prefix}${start}${MASK}`);
}
