// Stands in for the remote browsers: one UDP socket that every receiving
// PlainTransport sends to, reading and discarding. It runs as its own process
// so its CPU is not charged to the SFU being measured.
import dgram from "node:dgram";

const sock = dgram.createSocket({ type: "udp4", recvBufferSize: 8 << 20 });
let packets = 0;
sock.on("message", () => packets++);
sock.bind(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: sock.address().port })}\n`);
});
// Exit with the parent: stdin closes when the bench process dies.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
process.on("SIGTERM", () => {
  process.stderr.write(`sink received ${packets} packets\n`);
  process.exit(0);
});
