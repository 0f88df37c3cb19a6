// Writes each producer's life on the SFU into the survey timeline
// (media.track.started / paused / resumed / stopped), consent or not: the
// evidence package measures what should have been recorded against these.
import type { Logger } from "pino";
import type { types } from "mediasoup";
import type { Db } from "../db/client";
import { appendSurveyEvent, type SurveyEventType } from "../domain/survey-events";
import type { Room } from "../../media/room";
import type { Peer } from "../../media/peer";

export function recordMediaTrackTimeline(room: Room, db: Db, log: Logger): void {
  const write = (type: SurveyEventType, peer: Peer, producer: types.Producer, extra: Record<string, unknown> = {}) => {
    const source = (producer.appData as { source?: string }).source;
    void appendSurveyEvent(db, room.surveyId, {
      type,
      actorId: peer.id,
      actorRole: peer.identity.role,
      payload: { producerId: producer.id, kind: producer.kind, ...(source ? { source } : {}), ...extra },
    }).catch((err) => log.warn({ err, type, producerId: producer.id }, "could not write a media track event"));
  };
  room.on("newproducer", (peer, producer) => write("media.track.started", peer, producer));
  room.on("producerpaused", (peer, producer) => write("media.track.paused", peer, producer));
  room.on("producerresumed", (peer, producer) => write("media.track.resumed", peer, producer));
  // A producer closes with its peer (left, dropped, replaced by a new connection) or on its own (camera switched off or replaced).
  room.on("producerclosed", (peer, producer) => write("media.track.stopped", peer, producer, { cause: room.closed ? "survey-closed" : peer.closed ? "left" : "closed" }));
}
