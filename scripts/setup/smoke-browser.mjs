// Proves the installed mediasoup-worker's ICE/DTLS/SRTP works with a real
// browser, which check-mediasoup-worker.mjs cannot: Chromium sends VP8 from
// its fake camera to the worker over one WebRtcTransport and receives it back
// over a second one; the test passes when the received video's framesDecoded
// keeps growing. Signalling goes through playwright's exposeFunction, so no
// server is needed. Exits non-zero on failure.
// Usage: node scripts/setup/smoke-browser.mjs   (CHROMIUM_PATH overrides /usr/bin/chromium)
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import * as mediasoup from 'mediasoup';
import { chromium } from 'playwright-core';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Flags known to work with Debian's Chromium on headless machines; playwright
// adds --headless and a fresh temporary profile itself.
const CHROMIUM_FLAGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--no-first-run',
	'--use-fake-device-for-media-stream',
	'--use-fake-ui-for-media-stream',
	// WebRTC ignores loopback candidates otherwise, and the worker announces 127.0.0.1.
	'--allow-loopback-in-peer-connection',
];
// Never fetched from the network (page.route answers it); localhost because
// getUserMedia needs a secure context.
const PAGE_URL = 'http://localhost/smoke-browser';
const TIMEOUT_MS = 60_000;
const MEASURE_MS = 3_000;

async function bundleMediasoupClient() {
	const result = await esbuild.build({
		stdin: { contents: "export { Device, version } from 'mediasoup-client';", resolveDir: repoRoot },
		bundle: true,
		format: 'iife',
		globalName: 'mediasoupClient',
		platform: 'browser',
		write: false,
		logLevel: 'warning',
	});

	return result.outputFiles[0].text;
}

// Runs in the page: loads the device, produces the camera, consumes it back
// and keeps what the node side polls on window.smoke.
async function pageSetUp({ routerRtpCapabilities, sendOptions, recvOptions }) {
	const { Device } = window.mediasoupClient;
	const device = await Device.factory();

	await device.load({ routerRtpCapabilities });

	const wire = (transport) => {
		transport.on('connect', ({ dtlsParameters }, callback, errback) => {
			window.signal('connect', { transportId: transport.id, dtlsParameters }).then(callback, errback);
		});
	};
	const sendTransport = device.createSendTransport(sendOptions);

	wire(sendTransport);
	sendTransport.on('produce', ({ kind, rtpParameters }, callback, errback) => {
		window.signal('produce', { kind, rtpParameters }).then((id) => callback({ id }), errback);
	});

	const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
	const producer = await sendTransport.produce({ track: stream.getVideoTracks()[0] });
	const recvTransport = device.createRecvTransport(recvOptions);

	wire(recvTransport);

	const consumer = await recvTransport.consume(
		await window.signal('consume', { rtpCapabilities: device.rtpCapabilities }),
	);

	await window.signal('resume', {});

	window.smoke = {
		async stats() {
			const out = { framesDecoded: 0 };

			for (const s of (await consumer.getStats()).values()) {
				if (s.type === 'inbound-rtp' && s.kind === 'video') {
					out.framesDecoded = s.framesDecoded ?? 0;
					out.frameWidth = s.frameWidth;
					out.frameHeight = s.frameHeight;
				} else if (s.type === 'transport') {
					out.dtlsState = s.dtlsState;
					out.tlsVersion = s.tlsVersion;
					out.dtlsCipher = s.dtlsCipher;
					out.srtpCipher = s.srtpCipher;
				}
			}

			return out;
		},
		close() {
			producer.close();
			consumer.close();
			sendTransport.close();
			recvTransport.close();
			stream.getTracks().forEach((t) => t.stop());
		},
	};

	return { clientVersion: window.mediasoupClient.version, handler: device.handlerName };
}

async function run() {
	const clientBundle = await bundleMediasoupClient();
	const worker = await mediasoup.createWorker({ logLevel: 'warn' });
	let browser;

	try {
		const router = await worker.createRouter({
			mediaCodecs: [{ kind: 'video', mimeType: 'video/VP8', clockRate: 90000 }],
		});
		const listenInfos = [{ protocol: 'udp', ip: '127.0.0.1' }];
		const sendTransport = await router.createWebRtcTransport({ listenInfos });
		const recvTransport = await router.createWebRtcTransport({ listenInfos });
		const transports = new Map([sendTransport, recvTransport].map((t) => [t.id, t]));
		const clientOptions = (t) => ({
			id: t.id,
			iceParameters: t.iceParameters,
			iceCandidates: t.iceCandidates,
			dtlsParameters: t.dtlsParameters,
		});
		let producer;
		let consumer;
		const signalling = {
			connect: ({ transportId, dtlsParameters }) => transports.get(transportId).connect({ dtlsParameters }),
			produce: async ({ kind, rtpParameters }) => {
				producer = await sendTransport.produce({ kind, rtpParameters });

				return producer.id;
			},
			consume: async ({ rtpCapabilities }) => {
				// Paused until the browser's consumer exists, so the first key frame is not lost.
				consumer = await recvTransport.consume({ producerId: producer.id, rtpCapabilities, paused: true });

				return {
					id: consumer.id,
					producerId: producer.id,
					kind: consumer.kind,
					rtpParameters: consumer.rtpParameters,
				};
			},
			resume: () => consumer.resume(),
		};

		browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS });

		const page = await browser.newPage();

		page.on('pageerror', (error) => console.error('page error:', error));
		await page.exposeFunction('signal', (method, data) => signalling[method](data));
		await page.route(PAGE_URL, (route) =>
			route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>smoke</title>' }),
		);
		await page.goto(PAGE_URL);
		await page.addScriptTag({ content: clientBundle });

		const info = await page.evaluate(pageSetUp, {
			routerRtpCapabilities: router.rtpCapabilities,
			sendOptions: clientOptions(sendTransport),
			recvOptions: clientOptions(recvTransport),
		});

		console.log(
			`smoke-browser: ${await browser.version()}, mediasoup-client ${info.clientVersion} (${info.handler}), ` +
				`mediasoup ${mediasoup.version}, worker ${mediasoup.workerBin}`,
		);

		let before = await page.evaluate(() => window.smoke.stats());

		while (before.framesDecoded === 0) {
			await sleep(250);
			before = await page.evaluate(() => window.smoke.stats());
		}
		await sleep(MEASURE_MS);

		const after = await page.evaluate(() => window.smoke.stats());
		const serverStats = {
			sendDtls: sendTransport.dtlsState,
			recvDtls: recvTransport.dtlsState,
			producerScore: producer.score.map((s) => s.score),
			consumerScore: consumer.score.score,
		};

		console.log(
			`smoke-browser: browser transport dtls=${after.dtlsState} ${after.tlsVersion} ${after.dtlsCipher}, ` +
				`srtp=${after.srtpCipher}; worker ${JSON.stringify(serverStats)}`,
		);
		console.log(
			`smoke-browser: framesDecoded ${before.framesDecoded} -> ${after.framesDecoded} in ${MEASURE_MS} ms ` +
				`(${after.frameWidth}x${after.frameHeight})`,
		);

		await page.evaluate(() => window.smoke.close());

		if (after.framesDecoded <= before.framesDecoded) {
			throw new Error('received video stopped decoding');
		}

		console.log('smoke-browser: ok');
	} finally {
		await browser?.close();
		worker.close();
	}
}

let timer;

try {
	await Promise.race([
		run(),
		new Promise((_, reject) => {
			timer = setTimeout(() => reject(new Error(`no decoded video within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
		}),
	]);
	clearTimeout(timer);
} catch (error) {
	console.error('smoke-browser: failed:', error);
	// After a timeout run() still holds the browser and the worker; exiting
	// makes playwright and mediasoup kill their child processes.
	process.exit(1);
}
