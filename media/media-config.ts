// Media settings derived from the validated environment, in one place.
export interface MediaConfig {
  workers: number;
  listenIp: string;
  announcedAddress: string;
  rtcMinPort: number;
  rtcMaxPort: number;
  /** Weak 4G: start low and let congestion control climb. */
  initialOutgoingBitrate: number;
  maxIncomingBitrate: number;
  logLevel: "debug" | "warn" | "error" | "none";
}

export function mediaConfigFrom(env: {
  MEDIASOUP_WORKERS: number;
  MEDIASOUP_LISTEN_IP: string;
  MEDIASOUP_ANNOUNCED_ADDRESS: string;
  RTC_MIN_PORT: number;
  RTC_MAX_PORT: number;
}): MediaConfig {
  return {
    workers: env.MEDIASOUP_WORKERS,
    listenIp: env.MEDIASOUP_LISTEN_IP,
    announcedAddress: env.MEDIASOUP_ANNOUNCED_ADDRESS,
    rtcMinPort: env.RTC_MIN_PORT,
    rtcMaxPort: env.RTC_MAX_PORT,
    initialOutgoingBitrate: 600_000,
    maxIncomingBitrate: 2_000_000,
    logLevel: "warn",
  };
}
