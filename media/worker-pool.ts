// One mediasoup worker per core, each with a WebRtcServer on its own port
// (UDP+TCP), so a deployment opens a handful of ports rather than a range per
// transport. Rooms go to the worker carrying the fewest routers.
import { EventEmitter } from "node:events";
import * as mediasoup from "mediasoup";
import type { types } from "mediasoup";
import type { Logger } from "pino";
import type { MediaConfig } from "./media-config";

export interface PooledWorker {
  index: number;
  worker: types.Worker;
  webRtcServer: types.WebRtcServer;
  routers: number;
}

export class WorkerPool extends EventEmitter<{ workerdied: [PooledWorker]; close: [] }> {
  private readonly workers: PooledWorker[] = [];
  private closed = false;

  private constructor(private readonly config: MediaConfig, private readonly log: Logger) {
    super();
  }

  static async create(config: MediaConfig, log: Logger): Promise<WorkerPool> {
    const pool = new WorkerPool(config, log);
    try {
      for (let i = 0; i < config.workers; i++) pool.workers.push(await pool.spawn(i));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  private async spawn(index: number): Promise<PooledWorker> {
    const port = this.config.rtcMinPort + index;
    if (port > this.config.rtcMaxPort) throw new Error(`RTC port range too small for ${this.config.workers} workers`);
    const worker = await mediasoup.createWorker({
      logLevel: this.config.logLevel,
      // The remaining range, above the WebRtcServer ports, serves plain transports (recording).
      rtcMinPort: this.config.rtcMinPort + this.config.workers,
      rtcMaxPort: this.config.rtcMaxPort,
    });
    const webRtcServer = await worker.createWebRtcServer({
      listenInfos: [
        { protocol: "udp", ip: this.config.listenIp, announcedAddress: this.config.announcedAddress, port },
        { protocol: "tcp", ip: this.config.listenIp, announcedAddress: this.config.announcedAddress, port },
      ],
    });
    const pooled: PooledWorker = { index, worker, webRtcServer, routers: 0 };
    worker.observer.on("newrouter", (router) => {
      pooled.routers++;
      router.observer.once("close", () => pooled.routers--);
    });
    worker.once("died", (err) => {
      this.log.error({ err, pid: worker.pid, index }, "mediasoup worker died; replacing it");
      const at = this.workers.indexOf(pooled);
      if (at >= 0) this.workers.splice(at, 1);
      this.emit("workerdied", pooled);
      if (!this.closed) {
        this.spawn(index).then(
          (w) => (this.closed ? w.worker.close() : this.workers.push(w)),
          (e) => this.log.fatal({ err: e }, "could not replace a dead mediasoup worker"),
        );
      }
    });
    this.log.info({ pid: worker.pid, index, port }, "mediasoup worker ready");
    return pooled;
  }

  leastLoaded(): PooledWorker {
    if (this.closed) throw new Error("worker pool is closed");
    const w = [...this.workers].sort((a, b) => a.routers - b.routers)[0];
    if (!w) throw new Error("no mediasoup worker is available");
    return w;
  }

  get size() {
    return this.workers.length;
  }

  /**
   * Closes every worker and resolves once their processes have exited: a
   * worker still alive holds its WebRtcServer port, and a product restarted
   * straight away (systemd, a deploy) would fail with "address already in use".
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const exited = this.workers.map(({ worker }) =>
      worker.subprocessClosed ? Promise.resolve() : new Promise<void>((resolve) => worker.once("subprocessclose", () => resolve())),
    );
    for (const w of this.workers) w.worker.close();
    this.workers.length = 0;
    this.emit("close");
    await Promise.all(exited);
  }
}
