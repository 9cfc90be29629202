import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { testProjects } from './test-projects.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('test projects', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'test-projects-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const write = (files: Record<string, string[]>) => {
    for (const [name, lines] of Object.entries(files)) {
      mkdirSync(dirname(join(scratch, name)), { recursive: true });
      writeFileSync(join(scratch, name), lines.join('\n'));
    }
  };

  it('puts a file by what it imports, through the test helpers it imports, whatever its folder', () => {
    write({
      'test/core/plain.test.ts': [
        "import { parse } from '#core/parse.ts';",
        "import type { LocalCloud } from '#infra/local/cloud.ts';",
        "// import { startLocalCloud } from '#infra/local/cloud.ts';",
        "const text = `import { spawn } from 'node:child_process';`;",
      ],
      'test/core/spawns.test.ts': ["import { execFile } from 'node:child_process';"],
      'test/dashboard/pure.test.ts': [
        "import { documents } from './documents.ts';",
        "import type { Page } from './harness.ts';",
      ],
      'test/dashboard/documents.ts': ['export const documents = 1;'],
      'test/dashboard/page.test.ts': ["import { open } from './harness.ts';"],
      'test/dashboard/harness.ts': [
        "import { CreateBucketCommand } from '@aws-sdk/client-s3';",
        "import { launch } from './browser.ts';",
        "import { startTestEmulators } from './emulators.ts';",
      ],
      'test/dashboard/browser.ts': ["import { chromium, type Browser } from 'playwright-core';"],
      'test/support/emulators.ts': [
        'import {',
        '  startEmulators,',
        '  type Emulators,',
        "} from '#infra/local/emulators.ts';",
      ],
      'test/stage/cloud.test.ts': ["import { cloud } from './fixtures/cloud.ts';"],
      'test/stage/fixtures/cloud.ts': [
        "import { app } from './app.ts';",
        "import { startTestCloud } from '../../support/cloud.ts';",
      ],
      'test/support/cloud.ts': ["import { startLocalCloud as start } from '#infra/local/cloud.ts';"],
      'test/stage/fixtures/app.ts': [
        "import { cloud } from './cloud.ts';",
        "import { App, Stack } from 'aws-cdk-lib';",
      ],
      'test/stage/synth.test.ts': [
        "import { Template } from 'aws-cdk-lib/assertions';",
        "import { buildApp } from '#infra/app.ts';",
      ],
    });
    expect(testProjects(scratch)).toEqual({
      unit: ['test/core/plain.test.ts', 'test/dashboard/pure.test.ts'],
      emulated: ['test/core/spawns.test.ts', 'test/stage/cloud.test.ts', 'test/stage/synth.test.ts'],
      browser: ['test/dashboard/page.test.ts'],
    });
  });

  it('gives every test file of this repository one project, with the known heavy ones outside unit', () => {
    const projects = testProjects(root);
    const all = Object.values(projects).flat();
    expect(new Set(all).size).toBe(all.length);
    expect(projects.unit).toContain('test/forest/metrics.test.ts');
    expect(projects.emulated).toEqual(
      expect.arrayContaining(['test/local/emulators.test.ts', 'test/infra/stack.test.ts', 'test/seed/cli.test.ts']),
    );
    expect(projects.browser).toContain('test/dashboard/dashboard.test.ts');
  });
});
