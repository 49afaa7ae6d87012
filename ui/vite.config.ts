// Herald's UI is served by the Rust UI service from ui/dist at `/`, so the
// build uses relative asset paths and the app routes by URL hash.
// `npm run dev` proxies /api to HERALD_URL (default http://127.0.0.1:8080).
import { defineConfig } from "vite";

const herald = process.env.HERALD_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
  server: { proxy: { "/api": { target: herald, changeOrigin: false } } },
});
