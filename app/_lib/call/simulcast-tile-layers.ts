// Tells the server how large each remote participant's video is drawn here
// (in device pixels), so that it forwards the smallest simulcast layer that
// fills the tile: a phone showing two thumbnails does not download two
// full-size videos. Sent again when the tile is resized or a new video
// consumer of that participant arrives; small resizes are not worth a message.
export type SendTileSize = (consumerId: string, width: number, height: number) => Promise<unknown>;

const RESEND_RATIO = 0.15;

export class SimulcastTileLayers {
  private readonly sizes = new Map<string, { width: number; height: number }>();
  private readonly consumers = new Map<string, string>();
  private readonly sent = new Map<string, { width: number; height: number }>();

  constructor(private readonly send: SendTileSize) {}

  /** The participant's tile is drawn at this size (device pixels). */
  setTile(participantId: string, width: number, height: number) {
    this.sizes.set(participantId, { width: Math.round(width), height: Math.round(height) });
    this.flush(participantId);
  }

  /** A video consumer of this participant is ready (resumed). */
  videoConsumer(participantId: string, consumerId: string) {
    this.consumers.set(participantId, consumerId);
    this.sent.delete(consumerId);
    this.flush(participantId);
  }

  forget(participantId: string) {
    const c = this.consumers.get(participantId);
    if (c) this.sent.delete(c);
    this.consumers.delete(participantId);
    this.sizes.delete(participantId);
  }

  clear() {
    this.consumers.clear();
    this.sent.clear();
  }

  private flush(participantId: string) {
    const consumerId = this.consumers.get(participantId);
    const size = this.sizes.get(participantId);
    if (!consumerId || !size || size.height <= 0) return;
    const last = this.sent.get(consumerId);
    if (last && Math.abs(size.height - last.height) <= last.height * RESEND_RATIO) return;
    this.sent.set(consumerId, size);
    this.send(consumerId, size.width, size.height).catch(() => this.sent.delete(consumerId));
  }
}
