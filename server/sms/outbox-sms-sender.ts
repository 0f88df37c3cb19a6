import type { Db } from "../db/client";
import type { SmsMessage, SmsSender } from "./sms-sender";

export class OutboxSmsSender implements SmsSender {
  readonly name = "outbox";
  constructor(private readonly db: Db) {}

  async send(message: SmsMessage) {
    const row = await this.db.outboxMessage.create({
      data: { channel: "sms", to: message.to, body: message.body, surveyId: message.surveyId ?? null },
    });
    return { id: row.id };
  }
}
