"use client";
// <video>/<audio> bound to a MediaStream (React cannot set srcObject itself).
import { useEffect, useRef } from "react";

function useStream<T extends HTMLMediaElement>(stream: MediaStream | null) {
  const ref = useRef<T>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.srcObject = stream;
    if (stream) el.play().catch(() => undefined);
  }, [stream]);
  return ref;
}

export function StreamVideo({ stream, muted, mirrored, ...rest }: { stream: MediaStream | null; muted?: boolean; mirrored?: boolean } & React.VideoHTMLAttributes<HTMLVideoElement> & Record<`data-${string}`, string>) {
  const ref = useStream<HTMLVideoElement>(stream);
  return <video ref={ref} autoPlay playsInline muted={muted} style={mirrored ? { transform: "scaleX(-1)" } : undefined} {...rest} />;
}

export function StreamAudio({ stream }: { stream: MediaStream | null }) {
  const ref = useStream<HTMLAudioElement>(stream);
  return <audio ref={ref} autoPlay />;
}
