// A full-resolution still from the phone's own camera: ImageCapture.takePhoto()
// where the browser has it (the sensor's photo resolution), otherwise the
// camera track's own frame at its native size — never a screenshot of the
// downscaled stream the others receive.
export async function takeStill(track: MediaStreamTrack): Promise<{ blob: Blob; method: "takePhoto" | "grabFrame" | "video-frame" }> {
  const IC = (globalThis as unknown as { ImageCapture?: new (t: MediaStreamTrack) => { takePhoto(): Promise<Blob>; grabFrame(): Promise<ImageBitmap> } }).ImageCapture;
  if (IC) {
    const capture = new IC(track);
    try {
      const blob = await capture.takePhoto();
      if (blob.size > 0) return { blob, method: "takePhoto" };
    } catch {
      /* some cameras refuse takePhoto while streaming: fall through */
    }
    try {
      const bitmap = await capture.grabFrame();
      return { blob: await toJpeg(bitmap, bitmap.width, bitmap.height), method: "grabFrame" };
    } catch {
      /* fall through */
    }
  }
  // iOS Safari: no ImageCapture; read a frame of the track itself at its settings' size.
  const video = document.createElement("video");
  video.muted = true;
  video.playsInline = true;
  video.srcObject = new MediaStream([track]);
  await video.play();
  await new Promise((r) => requestAnimationFrame(() => r(undefined)));
  const blob = await toJpeg(video, video.videoWidth, video.videoHeight);
  video.srcObject = null;
  return { blob, method: "video-frame" };
}

async function toJpeg(source: CanvasImageSource, width: number, height: number): Promise<Blob> {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  canvas.getContext("2d")!.drawImage(source, 0, 0, width, height);
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("could not encode the photo"))), "image/jpeg", 0.92));
}

/** The torch, where the camera has one (most Android rear cameras; not iOS Safari). */
export function torchSupported(track: MediaStreamTrack | null): boolean {
  const caps = track?.getCapabilities?.() as (MediaTrackCapabilities & { torch?: boolean }) | undefined;
  return Boolean(caps?.torch);
}

export async function setTorch(track: MediaStreamTrack, on: boolean) {
  await track.applyConstraints({ advanced: [{ torch: on } as MediaTrackConstraintSet] });
}
