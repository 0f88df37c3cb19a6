// Debian's Chromium driven by playwright-core, with a fake camera and
// microphone (optionally fed from a video file). Playwright gives every launch
// a fresh temporary profile.
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Frames per second of the tests' cameras (Chromium's generated one and the y4m
 * files made from photos). Video is most of what the suite's browsers do: on two
 * cores that the suite keeps saturated, every frame is captured, encoded up to three
 * times (simulcast), forwarded and decoded by two other pages. At 10 instead of
 * Chromium's default 20 the three-party test's Chromium processes used 15.9 and 19.2
 * CPU-seconds against 24.4 and 25.3 (two runs each, alternated, quiet machine). The
 * product asks for up to 24 and takes what the camera gives, as a phone in low light
 * gives less; the simulcast test keeps the camera's default rate.
 */
export const TEST_CAMERA_FPS = 10;

/**
 * askForMedia: the browser asks for camera and microphone as it would for a person
 * (a context's granted permissions answer; without them the request is refused)
 * instead of granting every request.
 */
export async function launchBrowser(
  opts: { fakeVideoFile?: string; cameraFps?: number | null; askForMedia?: boolean; executablePath?: string; secureOrigins?: string[]; extraArgs?: string[] } = {},
): Promise<Browser> {
  const args = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    // A file-fed camera (fakeVideoFile) runs at the file's own rate instead; null: Chromium's own rate.
    opts.cameraFps === null ? "--use-fake-device-for-media-stream" : `--use-fake-device-for-media-stream=fps=${opts.cameraFps ?? TEST_CAMERA_FPS}`,
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
    // One --disable-features only: Chromium reads the last one given, so every
    // feature turned off goes in this list. WebUIOmniboxPopup and
    // WebUIOmniboxAimPopup: otherwise every new context's window preloads two
    // chrome://omnibox-popup.top-chrome renderers for an address bar nobody sees
    // headless (about 1.7 CPU-seconds per context, measured on Chromium 156;
    // the three-party test opens five).
    "--disable-features=WebRtcHideLocalIpsWithMdns,WebUIOmniboxPopup,WebUIOmniboxAimPopup",
  ];
  if (!opts.askForMedia) args.push("--use-fake-ui-for-media-stream");
  if (opts.fakeVideoFile) args.push(`--use-file-for-fake-video-capture=${opts.fakeVideoFile}`);
  // Camera and microphone need a secure context: http on an address other than loopback (a test network's) is not one.
  if (opts.secureOrigins?.length) args.push(`--unsafely-treat-insecure-origin-as-secure=${opts.secureOrigins.join(",")}`);
  args.push(...(opts.extraArgs ?? []));
  // executablePath: e.g. a wrapper that runs Chromium inside a network namespace (network-namespace.ts).
  return chromium.launch({ executablePath: opts.executablePath ?? CHROMIUM, headless: true, args });
}

/** A phone-sized context, as the policyholder would open the SMS link. */
export const phoneContext = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: "zh-CN",
  userAgent:
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36",
};

export const desktopContext = { viewport: { width: 1280, height: 800 }, locale: "en-US" };
export const laptopContext = { viewport: { width: 1366, height: 768 }, locale: "zh-CN" };
