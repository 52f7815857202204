// Builds the two pages into dist/, which `custodian serve` hands out (src/api/web_files.h):
// index.html (the dashboard, at /) and terminal.html (at /terminal), their scripts and styles in
// dist/assets/ with a content hash in each name.
import { resolve } from "node:path";
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0, // no data: URLs for scripts; the pages' CSP allows 'self' only
    rollupOptions: {
      input: {
        index: resolve(import.meta.dirname, "index.html"),
        terminal: resolve(import.meta.dirname, "terminal.html"),
      },
    },
  },
});
