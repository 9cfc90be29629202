import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { lambdaHeapLimits, withoutTsx } from '#infra/local/lambda-thread.ts';

describe("an execution environment's thread", () => {
  it("gets the heap split of Lambda's Node.js bootstrap: a tenth new, the rest old", () => {
    expect(lambdaHeapLimits(1024)).toEqual({ maxYoungGenerationSizeMb: 153, maxOldGenerationSizeMb: 922 });
    expect(lambdaHeapLimits(3008)).toEqual({ maxYoungGenerationSizeMb: 450, maxOldGenerationSizeMb: 2708 });
    expect(lambdaHeapLimits(128)).toEqual({ maxYoungGenerationSizeMb: 18, maxOldGenerationSizeMb: 116 });
  });

  it("drops tsx's loader flags in every spelling and keeps the others", () => {
    const tsxCli = [
      '--require',
      '/repo/node_modules/tsx/dist/preflight.cjs',
      '--import',
      'file:///repo/node_modules/tsx/dist/loader.mjs',
    ];
    expect(withoutTsx([...tsxCli, '--cpu-prof', '--enable-source-maps'])).toEqual([
      '--cpu-prof',
      '--enable-source-maps',
    ]);
    expect(withoutTsx(['--import', 'tsx', '--import=tsx', '-r', 'tsx/cjs'])).toEqual([]);
    expect(withoutTsx(['--import', './my-hooks.mjs', '--require=tsxlike'])).toEqual([
      '--import',
      './my-hooks.mjs',
      '--require=tsxlike',
    ]);
  });

  it('starts the thread without tsx when the local cloud runs under tsx', () => {
    // A process as `npm start` runs: node with tsx's loader; its environment threads report their flags.
    const probe = `
      import { once } from 'node:events';
      import { startEnvironmentThread, lambdaHeapLimits } from '#infra/local/lambda-thread.ts';
      const url = new URL('data:text/javascript,import { parentPort } from "node:worker_threads"; parentPort.postMessage(process.execArgv)');
      const worker = startEnvironmentThread(url, { resourceLimits: lambdaHeapLimits(256) });
      const [flags] = await once(worker, 'message');
      await worker.terminate();
      console.log(JSON.stringify({ parent: process.execArgv, worker: flags }));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], {
      encoding: 'utf8',
    });
    const { parent, worker } = JSON.parse(out) as { parent: string[]; worker: string[] };
    expect(parent.some((f) => /tsx/.test(f))).toBe(true);
    expect(worker.some((f) => /tsx/.test(f))).toBe(false);
  });
});
