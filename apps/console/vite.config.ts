import { defineConfig, defaultClientConditions } from 'vite';
import vue from '@vitejs/plugin-vue';

/**
 * The console is a static single-page app served by the API server at `/`. In development the
 * dev server proxies `/api` to a running API (`KONTROLER_API`, default http://127.0.0.1:8080).
 * `source` first: `@kontroler/core/dag` resolves to core's TypeScript, so the browser validates
 * with exactly the server's code and no prior core build is needed.
 */
export default defineConfig({
  plugins: [vue()],
  resolve: { conditions: ['source', ...defaultClientConditions] },
  server: {
    proxy: {
      '/api': { target: process.env.KONTROLER_API ?? 'http://127.0.0.1:8080', changeOrigin: true },
    },
  },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
  },
});
