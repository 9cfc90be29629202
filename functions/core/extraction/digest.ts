/**
 * Size and sha256 of a source as stored (the compressed bytes for a .gz), computed as its
 * chunks go by. Hashing is computation, not I/O, so it belongs to the pure core.
 */
import { createHash } from 'node:crypto';
import type { SourceInfo } from './types.ts';

export interface SourceDigest {
  update(chunk: Uint8Array): void;
  /** Finishes the hash; call once, after the last chunk. */
  info(): SourceInfo;
}

export function createSourceDigest(name: string): SourceDigest {
  const hash = createHash('sha256');
  let bytes = 0;
  return {
    update(chunk) {
      hash.update(chunk);
      bytes += chunk.length;
    },
    info() {
      return { name, bytes, sha256: hash.digest('hex') };
    },
  };
}
