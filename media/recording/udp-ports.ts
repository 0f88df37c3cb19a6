// Port handling for the per-track ffmpeg receivers, which must bind their own
// RTP/RTCP ports (RTCP = RTP + 1, as the SDP implies). The kernel picks a free
// port (bind to 0) so we never scan; the remaining race (someone binds it
// before ffmpeg does) is closed by checking that ffmpeg itself owns the socket
// and retrying with a new port if it does not.
import dgram from "node:dgram";
import { readFile, readdir, readlink } from "node:fs/promises";

async function bindUdp(port: number, host: string): Promise<dgram.Socket | undefined> {
  const s = dgram.createSocket("udp4");
  return new Promise((resolve) => {
    s.once("error", () => {
      s.close();
      resolve(undefined);
    });
    s.bind(port, host, () => resolve(s));
  });
}

/** An even port P with P and P+1 free on `host` at the time of the call. */
export async function pickUdpPortPair(host = "127.0.0.1", attempts = 20): Promise<number> {
  for (let i = 0; i < attempts; i++) {
    const a = await bindUdp(0, host);
    if (!a) continue;
    const p = a.address().port;
    const even = p % 2 === 0 ? p : p + 1;
    const b = even === p ? await bindUdp(p + 1, host) : await bindUdp(even, host);
    const c = even === p ? undefined : await bindUdp(even + 1, host);
    const ok = even === p ? b !== undefined : b !== undefined && c !== undefined;
    for (const s of [a, b, c]) s?.close();
    if (ok && even + 1 <= 65535) return even;
  }
  throw new Error("no free UDP port pair");
}

/** The UDP sockets bound to `port` (any local address), from /proc/net/udp: inode and unread bytes (rx_queue). */
async function udpSockets(port: number): Promise<{ inode: string; rxQueueBytes: number }[]> {
  const text = await readFile("/proc/net/udp", "utf8");
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const out: { inode: string; rxQueueBytes: number }[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length > 9 && f[1]!.endsWith(`:${hex}`)) out.push({ inode: f[9]!, rxQueueBytes: parseInt(f[4]!.split(":")[1] ?? "0", 16) || 0 });
  }
  return out;
}

/**
 * Bytes waiting unread in the UDP sockets bound to `port` (the kernel's
 * rx_queue): what the muxer has been sent and not yet read.
 */
export async function udpReceiveQueueBytes(port: number): Promise<number> {
  return (await udpSockets(port)).reduce((sum, s) => sum + s.rxQueueBytes, 0);
}

/** True once process `pid` holds a UDP socket bound to `port`. */
export async function processOwnsUdpPort(pid: number, port: number): Promise<boolean> {
  const inodes = new Set((await udpSockets(port)).map((s) => s.inode));
  if (inodes.size === 0) return false;
  let fds: string[];
  try {
    fds = await readdir(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m && inodes.has(m[1]!)) return true;
  }
  return false;
}
