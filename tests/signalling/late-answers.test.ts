// A signalling request answered after seconds is logged with its method and
// with how long this process's event loop was held up meanwhile, so a slow
// answer can be put down to JavaScript or to what it waited for.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import pino from "pino";
import { LATE_ANSWER_MS, timeAnswer } from "../../server/signalling/late-answers";

function capturingLog() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { log: pino({ level: "info" }, sink), lines };
}

const flush = () => new Promise((r) => setImmediate(r));

test("a quick answer is not logged", async () => {
  const { log, lines } = capturingLog();
  const answered = timeAnswer(log, "produce");
  await new Promise((r) => setTimeout(r, 50));
  answered();
  await flush();
  assert.deepEqual(lines, []);
});

test("an answer held up by a blocked event loop is logged with the method, its time and the loop's delay", async () => {
  const { log, lines } = capturingLog();
  const answered = timeAnswer(log, "produce");
  // Let the delay monitor take a sample before the loop is blocked.
  await new Promise((r) => setTimeout(r, 100));
  const until = performance.now() + LATE_ANSWER_MS + 200;
  while (performance.now() < until) {
    /* the event loop is held, as a long synchronous task would hold it */
  }
  await new Promise((r) => setTimeout(r, 50));
  answered();
  await flush();
  assert.equal(lines.length, 1);
  const line = lines[0]!;
  assert.equal(line.msg, "signalling request answered late");
  assert.equal(line.method, "produce");
  assert.ok((line.ms as number) >= LATE_ANSWER_MS, `ms ${line.ms}`);
  assert.ok((line.eventLoopDelayMaxMs as number) >= LATE_ANSWER_MS - 500, `event loop delay ${line.eventLoopDelayMaxMs} ms`);
});

test("an answer that waited without blocking the loop is logged with a small loop delay", async () => {
  const { log, lines } = capturingLog();
  const answered = timeAnswer(log, "createTransport");
  await new Promise((r) => setTimeout(r, LATE_ANSWER_MS + 100));
  answered();
  await flush();
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.method, "createTransport");
  // Far less than the wait: the loop was free (a loaded machine adds scheduling delay, not seconds of it).
  assert.ok((lines[0]!.eventLoopDelayMaxMs as number) < (lines[0]!.ms as number) / 2, `event loop delay ${lines[0]!.eventLoopDelayMaxMs} ms`);
});
