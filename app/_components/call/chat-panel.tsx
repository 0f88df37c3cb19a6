"use client";
import { useEffect, useRef, useState } from "react";
import type { ChatMessageWire } from "../../../server/signalling/protocol";
import { useI18n } from "../../_i18n/i18n-provider";

/** `onClose`: shown as a sheet over the phone screen, with a close button. */
export function ChatPanel({
  messages,
  selfId,
  onSend,
  disabled,
  onClose,
}: {
  messages: ChatMessageWire[];
  selfId: string | null;
  onSend: (text: string) => Promise<void>;
  disabled: boolean;
  onClose?: () => void;
}) {
  const { t } = useI18n();
  const [text, setText] = useState("");
  const [sending, setSending] = useState(false);
  const listRef = useRef<HTMLOListElement>(null);
  useEffect(() => {
    listRef.current?.scrollTo({ top: listRef.current.scrollHeight });
  }, [messages.length]);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    const value = text.trim();
    if (!value || sending) return;
    setSending(true);
    try {
      await onSend(value);
      setText("");
    } finally {
      setSending(false);
    }
  }

  return (
    <section className={onClose ? "chat sheet" : "chat"} aria-label={t("chat.title")} data-testid="chat" role={onClose ? "dialog" : undefined}>
      <div className="chat-head">
        <h2>{t("chat.title")}</h2>
        {onClose && (
          <button type="button" className="link-button" data-testid="chat-close" onClick={onClose}>
            {t("chat.close")}
          </button>
        )}
      </div>
      <ol ref={listRef} className="chat-list">
        {messages.map((m) => (
          <li key={m.id} data-testid="chat-message" className={m.participantId === selfId ? "mine" : ""}>
            <span className="chat-meta">
              {m.displayName} · {new Date(m.at).toLocaleTimeString()}
            </span>
            <span className="chat-text">{m.text}</span>
          </li>
        ))}
      </ol>
      <form onSubmit={submit} className="chat-form">
        <input data-testid="chat-input" value={text} maxLength={2000} placeholder={t("chat.placeholder")} onChange={(e) => setText(e.target.value)} disabled={disabled} />
        <button data-testid="chat-send" type="submit" disabled={disabled || sending || !text.trim()}>
          {t("chat.send")}
        </button>
      </form>
    </section>
  );
}
