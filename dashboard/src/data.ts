/**
 * Reads a site document from data/ next to the page. A missing document (404/403, which is
 * what S3 behind CloudFront answers for an absent key) is a normal state: nothing has been
 * published yet. Anything else that goes wrong is an error worth showing.
 */

export type Loaded<T> =
  { state: 'missing' } | { state: 'error'; message: string } | { state: 'ok'; doc: T; text: string };

export async function loadDocument<T>(name: string, parse: (value: unknown) => T): Promise<Loaded<T>> {
  let response: Response;
  try {
    response = await fetch(`data/${name}`, { cache: 'no-store' });
  } catch (error) {
    return { state: 'error', message: `could not reach data/${name}: ${(error as Error).message}` };
  }
  if (response.status === 404 || response.status === 403) return { state: 'missing' };
  if (!response.ok) return { state: 'error', message: `data/${name} answered HTTP ${response.status}` };
  const text = await response.text();
  try {
    return { state: 'ok', doc: parse(JSON.parse(text)), text };
  } catch (error) {
    return { state: 'error', message: `data/${name} is not readable: ${(error as Error).message}` };
  }
}
