"use client";
// One checklist item in the admin's editor: every field of the item, its
// position in the list, and the server's complaint beside the field it is about.
import type { ReactNode } from "react";
import type { RouterOutputs } from "../../_lib/trpc-client";
import { useI18n } from "../../_i18n/i18n-provider";
import type { MessageKey } from "../../_i18n/messages";
import { fieldMessage, type FieldIssues, type ItemField } from "./save-issues";

export type ChecklistItem = RouterOutputs["checklists"]["get"]["items"][number];

function FieldError({ message }: { message: string | undefined }) {
  return message ? (
    <span className="error" role="alert" data-testid="checklist-field-error" style={{ display: "block" }}>
      {message}
    </span>
  ) : null;
}

export function ChecklistItemEditor({
  item,
  position,
  count,
  overlays,
  errors,
  onChange,
  onMove,
  onRemove,
}: {
  item: ChecklistItem;
  position: number;
  count: number;
  overlays: readonly string[];
  errors: FieldIssues;
  onChange: (item: ChecklistItem, field: ItemField) => void;
  onMove: (by: -1 | 1) => void;
  onRemove: () => void;
}) {
  const { t, locale } = useI18n();
  const message = (f: ItemField) => {
    const issue = errors[f];
    return issue ? fieldMessage(f, issue, t) : undefined;
  };
  const invalid = (f: ItemField) => (errors[f] ? { "aria-invalid": true as const, style: { borderColor: "#ff8a8a" } } : {});
  const text = (field: "label" | "instruction", lang: "zh-CN" | "en", value: string) =>
    onChange({ ...item, [field]: { ...item[field], [lang]: value } }, `${field}.${lang}`);
  const labelled = (label: string, field: ItemField, control: ReactNode) => (
    <label>
      {label}
      {control}
      <FieldError message={message(field)} />
    </label>
  );
  // A saved overlay that has since left public/guides stays selectable, so loading never changes it silently.
  const overlayChoices = item.overlay && !overlays.includes(item.overlay) ? [...overlays, item.overlay] : overlays;
  const hasErrors = Object.values(errors).some(Boolean);

  return (
    <li className="card" data-testid="checklist-item" data-key={item.key} data-invalid={hasErrors ? "true" : "false"} style={hasErrors ? { outline: "1px solid #ff8a8a" } : undefined}>
      <div style={{ display: "flex", gap: "0.5rem", alignItems: "center", flexWrap: "wrap" }}>
        <strong style={{ flex: 1 }}>
          {t("checklists.item")} {position + 1} · {item.label[locale] || item.key}
        </strong>
        <button type="button" data-testid="checklist-up" disabled={position === 0} onClick={() => onMove(-1)}>
          {t("checklists.up")}
        </button>
        <button type="button" data-testid="checklist-down" disabled={position === count - 1} onClick={() => onMove(1)}>
          {t("checklists.down")}
        </button>
        <button type="button" className="danger" data-testid="checklist-remove" onClick={onRemove}>
          {t("checklists.remove")}
        </button>
      </div>
      <div className="grid2">
        {labelled(t("checklists.key"), "key", <input data-testid="checklist-key" value={item.key} onChange={(e) => onChange({ ...item, key: e.target.value }, "key")} {...invalid("key")} />)}
        <div style={{ display: "flex", gap: "0.75rem", alignItems: "flex-end" }}>
          <div style={{ flex: 1 }}>
            {labelled(
              t("checklists.overlay"),
              "overlay",
              <select data-testid="checklist-overlay" value={item.overlay ?? ""} onChange={(e) => onChange({ ...item, overlay: e.target.value || null }, "overlay")} {...invalid("overlay")}>
                <option value="">{t("checklists.noOverlay")}</option>
                {overlayChoices.map((o) => (
                  <option key={o} value={o}>
                    {overlayName(o, t)}
                  </option>
                ))}
              </select>,
            )}
          </div>
          {item.overlay && overlays.includes(item.overlay) && (
            <img src={item.overlay} alt="" width={64} height={48} style={{ background: "#000", borderRadius: "0.3rem", marginBottom: "0.5rem" }} />
          )}
        </div>
        {labelled(t("checklists.labelZh"), "label.zh-CN", <input data-testid="checklist-label-zh" lang="zh-CN" value={item.label["zh-CN"]} onChange={(e) => text("label", "zh-CN", e.target.value)} {...invalid("label.zh-CN")} />)}
        {labelled(t("checklists.labelEn"), "label.en", <input data-testid="checklist-label-en" lang="en" value={item.label.en} onChange={(e) => text("label", "en", e.target.value)} {...invalid("label.en")} />)}
        {labelled(
          t("checklists.instructionZh"),
          "instruction.zh-CN",
          <textarea data-testid="checklist-instruction-zh" lang="zh-CN" rows={2} value={item.instruction["zh-CN"]} onChange={(e) => text("instruction", "zh-CN", e.target.value)} {...invalid("instruction.zh-CN")} />,
        )}
        {labelled(
          t("checklists.instructionEn"),
          "instruction.en",
          <textarea data-testid="checklist-instruction-en" lang="en" rows={2} value={item.instruction.en} onChange={(e) => text("instruction", "en", e.target.value)} {...invalid("instruction.en")} />,
        )}
      </div>
      <div style={{ display: "flex", gap: "1.5rem" }}>
        <label style={{ display: "flex", gap: "0.4rem", alignItems: "center" }}>
          <input type="checkbox" style={{ width: "auto" }} data-testid="checklist-required" checked={item.required} onChange={(e) => onChange({ ...item, required: e.target.checked }, "required")} />
          {t("checklists.required")}
        </label>
        <label style={{ display: "flex", gap: "0.4rem", alignItems: "center" }}>
          <input type="checkbox" style={{ width: "auto" }} data-testid="checklist-multiple" checked={item.multiple} onChange={(e) => onChange({ ...item, multiple: e.target.checked }, "multiple")} />
          {t("checklists.multiple")}
        </label>
      </div>
      <FieldError message={message("required") ?? message("multiple")} />
    </li>
  );
}

/** An overlay by its name in the catalogue; a drawing added to public/guides without one shows its file name. */
function overlayName(path: string, t: (k: MessageKey) => string): string {
  const name = path.replace(/^\/guides\//, "").replace(/\.svg$/, "");
  const key = `checklists.overlay.${name}` as MessageKey;
  const text = t(key);
  return text === key ? name : text;
}
