/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The dev server proxies the API to a running `stonechat serve` (STONECHAT_DEV_SERVER).
const target = process.env.STONECHAT_DEV_SERVER ?? "http://127.0.0.1:8080";

export default defineConfig({
  base: "/",
  plugins: [react()],
  build: {
    outDir: "../src/stonechat/web/dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 900,
  },
  server: {
    proxy: {
      "/api": { target, changeOrigin: false },
      "/ui/api/live": { target, ws: true, changeOrigin: false },
      "/ui/api": { target, changeOrigin: false },
      "/mqtt": { target, ws: true },
    },
  },
  test: {
    environment: "node",
    include: ["test/**/*.test.{ts,tsx}"],
  },
});
