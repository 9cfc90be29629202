/**
 * The one Lambda API call the local cloud answers: Invoke with `X-Amz-Invocation-Type: Event`
 * (an asynchronous invocation, as `retention failures redrive` sends a failed event back to
 * its function). The invocation then runs like an S3-triggered one: the function's retries,
 * then its on-failure destination. Any other call is refused with a message saying so.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface LambdaApi {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export interface LambdaApiSettings {
  /** The function's logical id for a name or ARN; throws when there is none. */
  readonly functionId: (nameOrArn: string) => string;
  /** Starts an asynchronous invocation (not awaited by the caller of Invoke). */
  readonly invokeAsync: (id: string, event: unknown) => Promise<unknown>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

export async function startLambdaApi(settings: LambdaApiSettings): Promise<LambdaApi> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => answer(settings, request, Buffer.concat(chunks).toString('utf8'), response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answer(settings: LambdaApiSettings, request: IncomingMessage, body: string, response: ServerResponse) {
  const refuse = (status: number, type: string, message: string) => {
    response.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
    response.end(JSON.stringify({ Type: 'User', message }));
  };
  const path = INVOKE_PATH.exec(new URL(request.url ?? '/', 'http://local').pathname);
  if (request.method !== 'POST' || !path?.[1])
    return refuse(
      400,
      'InvalidRequestContentException',
      `the local Lambda API answers only Invoke, not ${request.url}`,
    );
  if (request.headers['x-amz-invocation-type'] !== 'Event')
    return refuse(
      400,
      'InvalidParameterValueException',
      'the local Lambda API runs asynchronous (Event) invocations only',
    );
  let id: string;
  let event: unknown;
  try {
    id = settings.functionId(decodeURIComponent(path[1]));
    event = JSON.parse(body || '{}');
  } catch (error) {
    return refuse(404, 'ResourceNotFoundException', (error as Error).message);
  }
  void settings.invokeAsync(id, event).catch(() => undefined); // its failure goes to its destination
  response.writeHead(202, { 'content-type': 'application/json' });
  response.end();
}
