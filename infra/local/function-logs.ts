/** Functions' console output, one file a function: `<stateDir>/logs/<function>.log`, appended. */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

export interface FunctionLogs {
  readonly write: (functionName: string, chunk: string) => void;
  /** Ends every file (after the functions have stopped). */
  close(): Promise<void>;
}

export function functionLogFiles(stateDir: string): FunctionLogs {
  const files = new Map<string, WriteStream>();
  return {
    write(name, chunk) {
      let file = files.get(name);
      if (!file) {
        mkdirSync(join(stateDir, 'logs'), { recursive: true });
        file = createWriteStream(join(stateDir, 'logs', `${name}.log`), { flags: 'a' });
        files.set(name, file);
      }
      file.write(chunk);
    },
    async close() {
      await Promise.all([...files.values()].map((file) => new Promise((resolve) => file.end(resolve))));
    },
  };
}
