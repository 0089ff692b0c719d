import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const API = process.env.SMART_TOKEN_API ?? 'http://127.0.0.1:3000';

/**
 * Two pages: the staff/kiosk/board app (React) and the patient status page, a separate tiny bundle
 * without a framework so it loads fast on a cheap phone.
 */
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    rollupOptions: {
      input: { index: 'index.html', status: 'status.html', join: 'join.html' },
      // The contracts only declare schemas and tables: a screen that asks the state machine must not
      // bring every zod schema (and zod) along. Their package does not say it is side-effect free.
      treeshake: { moduleSideEffects: (id: string) => !/[\\/]packages[\\/]contracts[\\/]/.test(id) },
    },
  },
  server: {
    proxy: { '/api': { target: API, ws: true } },
  },
});
