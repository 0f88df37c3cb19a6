"use client";
// What a signed-in member of staff who is not an admin sees on an admin page
// (the checklist editor, the queue rules, the wallboard): the page's title and
// why it stays closed. The server refuses their requests anyway; this is the
// screen's side of the same rule, in one place for every admin page.
import type { Staff } from "../_lib/use-staff";
import { useI18n } from "../_i18n/i18n-provider";
import type { MessageKey } from "../_i18n/messages";
import { StaffTopbar } from "./staff-topbar";

export function AdminOnlyNotice({ me, title, reason, testId }: { me: Staff; title: MessageKey; reason: MessageKey; testId: string }) {
  const { t } = useI18n();
  return (
    <>
      <StaffTopbar me={me} />
      <main className="page">
        <section className="card">
          <h2>{t(title)}</h2>
          <p className="banner warn" role="alert" data-testid={testId}>
            {t(reason)}
          </p>
        </section>
      </main>
    </>
  );
}
