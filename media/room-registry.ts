// Rooms by survey id, created on first join. Concurrent first joins share one
// creation, so a survey never gets two routers.
import type { Logger } from "pino";
import type { MediaConfig } from "./media-config";
import { Room } from "./room";
import type { WorkerPool } from "./worker-pool";

export class RoomRegistry {
  private readonly rooms = new Map<string, Room>();
  private readonly pending = new Map<string, Promise<Room>>();

  constructor(
    private readonly pool: WorkerPool,
    private readonly config: MediaConfig,
    private readonly log: Logger,
    private readonly onRoomCreated?: (room: Room) => void,
  ) {
    // A dead worker closes its routers; each Room closes itself on router close.
  }

  get(surveyId: string): Room | undefined {
    return this.rooms.get(surveyId);
  }

  async getOrCreate(surveyId: string): Promise<Room> {
    const existing = this.rooms.get(surveyId);
    if (existing && !existing.closed) return existing;
    const inflight = this.pending.get(surveyId);
    if (inflight) return inflight;
    const creation = Room.create({ surveyId, pooled: this.pool.leastLoaded(), config: this.config, log: this.log }).then((room) => {
      this.rooms.set(surveyId, room);
      room.once("close", () => {
        if (this.rooms.get(surveyId) === room) this.rooms.delete(surveyId);
      });
      this.onRoomCreated?.(room);
      return room;
    });
    this.pending.set(surveyId, creation);
    try {
      return await creation;
    } finally {
      this.pending.delete(surveyId);
    }
  }

  close(surveyId: string, reason: string) {
    this.rooms.get(surveyId)?.close(reason);
  }

  list(): Room[] {
    return [...this.rooms.values()];
  }

  closeAll(reason: string) {
    for (const room of [...this.rooms.values()]) room.close(reason);
  }
}
