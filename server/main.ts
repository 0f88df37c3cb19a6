// The product's process: built into .server-build/main.mjs by scripts/build-server.mjs and
// started by scripts/start.sh (`npm run dev` runs this file through tsx).
import { env } from "./env";
import { startProduct } from "./bootstrap";
import { RuntimeNeedsError } from "./runtime-needs/self-check";

const pages = process.env.PAGES === "none" ? "none" : env.NODE_ENV === "production" ? "production" : "dev";
let product: Awaited<ReturnType<typeof startProduct>>;
try {
  product = await startProduct({ env, pages });
} catch (err) {
  // The self-check's message is the whole story (what is missing, what for, the fix); a stack adds nothing.
  if (err instanceof RuntimeNeedsError) {
    console.error(err.message);
    process.exit(78); // EX_CONFIG
  }
  throw err;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    product.app.log.info({ signal }, "shutting down");
    product.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
