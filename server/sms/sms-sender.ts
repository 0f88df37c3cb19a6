// The product sends invite links through this interface. The default writes to
// the outbox table that staff read on /outbox, so no SMS provider is needed to
// try the product; a provider backend implements the same interface.
export interface SmsMessage {
  to: string;
  body: string;
  surveyId?: string;
}

export interface SmsSender {
  readonly name: string;
  send(message: SmsMessage): Promise<{ id: string }>;
}
