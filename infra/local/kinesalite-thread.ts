/**
 * kinesalite in a thread of its own: its PutRecords and GetRecords work (BigNumber sequence
 * numbers, an in-memory LevelDB) then runs beside fauxqs and the pollers instead of queueing
 * behind them on the main thread. Listens on 127.0.0.1, reports its port, closes on 'stop'.
 * Runs as plain Node 24 (type stripping): node: imports and the kinesalite-*.ts patches only.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { fastSequences, type SequenceFunctions } from './kinesalite-sequences.ts';
import { fastHashKeys, type HashKeyFunctions } from './kinesalite-hash-keys.ts';
import { readBodiesWhole } from './kinesalite-request-body.ts';

if (!parentPort) throw new Error('kinesalite-thread.ts runs only as a worker thread (it has no parent port)');
const port = parentPort;
// kinesalite is CommonJS and has no types; memdown keeps its LevelDB in memory.
const require = createRequire(import.meta.url);
const kinesalite = require('kinesalite') as (options: object) => Server;
// Its actions call these through the module's exports, so replacing them here is enough.
const db = require('kinesalite/db/index.js') as SequenceFunctions & HashKeyFunctions;
fastSequences(db);
fastHashKeys(db);
const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
readBodiesWhole(server);
server.once('error', (error) => port.postMessage({ error: error.message }));
server.listen((workerData as { port: number }).port, '127.0.0.1', () =>
  port.postMessage({ port: (server.address() as AddressInfo).port }),
);
port.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
