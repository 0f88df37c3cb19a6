// One id per unexpected error: the caller sees it in place of the internal message,
// the log line carries it, so support can find one from the other.
import { randomUUID } from "node:crypto";

const ids = new WeakMap<object, string>();

export function errorIdOf(error: object): string {
  let id = ids.get(error);
  if (!id) ids.set(error, (id = randomUUID().slice(0, 8)));
  return id;
}
