/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  // Type checking runs once for the whole repo (`npm run typecheck` in the test
  // command), not again inside the page build.
  typescript: { ignoreBuildErrors: true },
  // Server-only packages are never bundled into pages.
  serverExternalPackages: ["mediasoup", "onnxruntime-node", "sharp", "better-sqlite3", "@prisma/client", "pg"],
  poweredByHeader: false,
};
export default nextConfig;
