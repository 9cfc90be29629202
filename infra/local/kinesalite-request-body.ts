/**
 * kinesalite's server reads a request body by concatenating every chunk onto all the chunks
 * before it, so a PutRecords of 1.4 MB (one ~900 KB record among 500) allocates some 15 MB of
 * buffers, and the garbage collector spends its thread's time on them. Here the body is read
 * whole first and handed to kinesalite's own handler as a single chunk; kinesalite then reads,
 * checks and answers exactly as before. Runs in kinesalite's thread (plain Node: node: imports only).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Puts a whole-body reader in front of the server's request listener (kinesalite's handler). */
export function readBodiesWhole(server: Server): void {
  const listeners = server.listeners('request') as RequestListener[];
  const [handler] = listeners;
  if (listeners.length !== 1 || !handler)
    throw new Error(`kinesalite's server has ${listeners.length} request listeners, not 1`);
  server.removeListener('request', handler);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', (error) => res.destroy(error));
    req.on('end', () => {
      // What kinesalite reads of a request: its headers, method and url, and its body as events.
      const whole = Object.assign(new PassThrough(), { headers: req.headers, method: req.method, url: req.url });
      handler(whole as unknown as IncomingMessage, res);
      if (chunks.length > 0) whole.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
      else whole.end();
    });
  });
}
