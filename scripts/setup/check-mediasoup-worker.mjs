// Proves the installed mediasoup-worker works with the installed mediasoup:
// starts a worker, a router with the codecs the product uses (Opus + VP8) and
// a WebRtcTransport on 127.0.0.1, then closes them. Exits non-zero on failure.
// Run by scripts/setup/mediasoup-worker.sh; usable alone: node scripts/setup/check-mediasoup-worker.mjs
import * as mediasoup from 'mediasoup';

const TIMEOUT_MS = 15_000;

// A worker that never answers would otherwise hang setup forever.
const watchdog = setTimeout(() => {
	console.error(`check-mediasoup-worker: no answer within ${TIMEOUT_MS} ms`);
	process.exit(1);
}, TIMEOUT_MS);
watchdog.unref();

let worker;

try {
	worker = await mediasoup.createWorker({ logLevel: 'warn' });

	const router = await worker.createRouter({
		mediaCodecs: [
			{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
			{ kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
		],
	});
	const transport = await router.createWebRtcTransport({
		listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }],
	});

	const candidate = transport.iceCandidates[0];

	if (!candidate || transport.dtlsParameters.fingerprints.length === 0) {
		throw new Error('WebRtcTransport has no ICE candidate or no DTLS fingerprint');
	}

	const codecs = router.rtpCapabilities.codecs.map((c) => c.mimeType).join(', ');

	transport.close();
	router.close();
	console.log(
		`check-mediasoup-worker: ok (mediasoup ${mediasoup.version}, worker pid ${worker.pid}, ` +
			`${mediasoup.workerBin}, router codecs ${codecs}, udp ${candidate.address}:${candidate.port})`,
	);
} catch (error) {
	console.error('check-mediasoup-worker: failed:', error);
	process.exitCode = 1;
} finally {
	worker?.close();
}
