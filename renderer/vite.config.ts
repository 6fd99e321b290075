import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The daemon serves the built files itself (`fleet serve`), so paths are relative: the same build loads
// from http://127.0.0.1:<port>/ and from the desktop shell's app:// protocol.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
});
