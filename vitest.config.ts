import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Emulators and the browser are real: give them room, but fail loudly when stuck.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores here; files that start emulators or Chromium must not starve each other.
    maxWorkers: 2,
  },
});
