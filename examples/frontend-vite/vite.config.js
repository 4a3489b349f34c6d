import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// manifest: dist/.vite/manifest.json names every hashed file (cruddur-ops reads it, and does
// not publish .vite/); sourcemap: the *.map files follow cruddur-ops' documented map policy.
export default defineConfig({
  plugins: [react()],
  build: { manifest: true, sourcemap: true },
})
