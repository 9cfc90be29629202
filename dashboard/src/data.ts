/**
 * Reads a site document from data/ next to the page. A missing document (404/403, which is
 * what S3 behind CloudFront answers for an absent key) is a normal state: nothing has been
 * published yet. Anything else that goes wrong is an error worth showing.
 */

export type Loaded<T> =
  { state: 'missing' } | { state: 'error'; message: string } | { state: 'ok'; doc: T; text: string };

/**
 * A view's update: draws a document only when its text changed (redrawing the same one would
 * lose the reader's place), and anything else (missing, an error) every time.
 */
export function redrawWhenChanged<T>(
  draw: (doc: T) => void,
  drawOther: (loaded: Exclude<Loaded<T>, { state: 'ok' }>) => void,
): (loaded: Loaded<T>) => void {
  let shownText: string | undefined;
  return (loaded) => {
    if (loaded.state === 'ok') {
      if (loaded.text === shownText) return;
      shownText = loaded.text;
      draw(loaded.doc);
      return;
    }
    shownText = undefined;
    drawOther(loaded);
  };
}

export async function loadDocument<T>(name: string, parse: (value: unknown) => T): Promise<Loaded<T>> {
  let response: Response;
  try {
    response = await fetch(`data/${name}`, { cache: 'no-store' });
  } catch (error) {
    return { state: 'error', message: `could not reach data/${name}: ${(error as Error).message}` };
  }
  if (response.status === 404 || response.status === 403) return { state: 'missing' };
  return readResponse(name, response, parse);
}

async function readResponse<T>(name: string, response: Response, parse: (value: unknown) => T): Promise<Loaded<T>> {
  if (!response.ok) return { state: 'error', message: `data/${name} answered HTTP ${response.status}` };
  const text = await response.text();
  try {
    return { state: 'ok', doc: parse(JSON.parse(text)), text };
  } catch (error) {
    return { state: 'error', message: `data/${name} is not readable: ${(error as Error).message}` };
  }
}

/** What a document naming users reads as: the usual states, or 'sign-in' when the reader is not signed in. */
export type LoadedProtected<T> = Loaded<T> | { state: 'sign-in' };

/**
 * Reads a document served only to signed-in people (dashboard/protected-documents.ts).
 * The local server answers 401 without a session; CloudFront answers 403 without its
 * signed cookies, which is also what it answers for an absent key, so for these documents
 * a 403 asks the reader to sign in (a signed-in reader of an unpublished document is sent
 * back here after signing in and sees the same hint: sign-in is the first thing to rule out).
 */
export async function loadProtectedDocument<T>(
  name: string,
  parse: (value: unknown) => T,
): Promise<LoadedProtected<T>> {
  let response: Response;
  try {
    response = await fetch(`data/${name}`, { cache: 'no-store', credentials: 'same-origin' });
  } catch (error) {
    return { state: 'error', message: `could not reach data/${name}: ${(error as Error).message}` };
  }
  if (response.status === 401 || response.status === 403) return { state: 'sign-in' };
  if (response.status === 404) return { state: 'missing' };
  return readResponse(name, response, parse);
}
