// The product's process: `tsx server/main.ts`.
import { env } from "./env";
import { startProduct } from "./bootstrap";

const pages = process.env.PAGES === "none" ? "none" : env.NODE_ENV === "production" ? "production" : "dev";
const product = await startProduct({ env, pages });

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    product.app.log.info({ signal }, "shutting down");
    product.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
