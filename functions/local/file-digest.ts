/**
 * Size and sha256 of a file as stored, computed in a worker thread that reads the file on its
 * own (from the page cache, since the extraction reads it at the same time): hashing 500 MB
 * costs ~0.3 s of CPU that need not sit on the parsing thread.
 */
import { Worker } from 'node:worker_threads';
import type { ObjectDigest } from '#core/storage/port.ts';

// Plain JavaScript, run with eval: no loader, no type stripping in the worker.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const hash = createHash('sha256');
const buffer = Buffer.allocUnsafe(1 << 20);
const fd = openSync(workerData, 'r');
let bytes = 0;
for (;;) {
  const n = readSync(fd, buffer, 0, buffer.length, null);
  if (n === 0) break;
  hash.update(buffer.subarray(0, n));
  bytes += n;
}
closeSync(fd);
parentPort.postMessage({ bytes, sha256: hash.digest('hex') });
`;

/** Starts hashing at once; the promise resolves when the worker is done. */
export function digestFile(path: string): Promise<ObjectDigest> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData: path });
    worker.once('message', (m: ObjectDigest) => resolve({ bytes: m.bytes, sha256: m.sha256 }));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`hashing ${path} stopped with exit code ${code}`));
    });
  });
}
