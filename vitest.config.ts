import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { testProjects } from '#test/support/test-projects.ts';

// Each test file's project follows from what it starts (test/support/test-projects.ts).
const files = testProjects(fileURLToPath(new URL('.', import.meta.url)));

export default defineConfig({
  test: {
    // Two cores here: never more than two test files at once, whichever project they are in.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        // The domain on plain inputs: first, and in seconds (the timeout only catches a hang on a busy machine).
        test: { name: 'unit', include: files.unit, sequence: { groupOrder: 0 }, testTimeout: 15_000 },
      },
      {
        extends: true,
        test: {
          name: 'emulated',
          include: files.emulated,
          sequence: { groupOrder: 1 },
          // Emulators, synthesis and the local cloud are real: give them room, but fail loudly when stuck.
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: files.browser,
          sequence: { groupOrder: 2 },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
