import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

// The Tauri shell loads ui/dist (tauri.conf.json: build.frontendDist) and, in
// `tauri dev`, this dev server on a fixed port.
export default defineConfig({
  base: './',
  plugins: [svelte()],
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
  },
  build: {
    // WebKitGTK 2.4x / WebView2 / WKWebView all run modern ES; no legacy output.
    target: 'es2022',
    sourcemap: false,
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
