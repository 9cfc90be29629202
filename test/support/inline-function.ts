/**
 * A local Lambda made from one line of handler source: its asset written to a temporary
 * folder, its config filled with the defaults the runtime tests share, and every function it
 * started stopped (and the folder removed) at the end.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFunction, type LocalFunctionConfig } from '#infra/local/lambda-runtime.ts';

type Settings = Partial<Pick<LocalFunctionConfig, 'memoryMb' | 'reservedConcurrency'>>;

export function inlineFunctions(prefix: string, source: string) {
  const assetDir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(assetDir, 'index.mjs'), source);
  const running: LocalFunction[] = [];
  return {
    start(settings: Settings = {}, options?: ConstructorParameters<typeof LocalFunction>[1]): LocalFunction {
      const config: LocalFunctionConfig = {
        logicalId: 'Fn',
        name: 'fn',
        arn: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
        handler: 'index.handler',
        assetDir,
        environment: {},
        timeoutSeconds: 30,
        memoryMb: settings.memoryMb ?? 128,
        ...(settings.reservedConcurrency === undefined ? {} : { reservedConcurrency: settings.reservedConcurrency }),
      };
      const fn = new LocalFunction(config, options);
      running.push(fn);
      return fn;
    },
    async stop(): Promise<void> {
      await Promise.all(running.map((f) => f.stop()));
      rmSync(assetDir, { recursive: true, force: true });
    },
  };
}
