/**
 * The one shape of a Lambda module: `createXHandler(deps)` holds the logic and takes what it
 * talks to (stores, queues, settings); the exported `handler` is
 * `lazyHandler(() => createXHandler(xDepsFromEnv()))`, which builds those dependencies on the
 * first invocation, once per cold start. Importing a handler module so has no side effects:
 * tests import it statically and pass their own dependencies.
 */
export function lazyHandler<Event, Result, Context = unknown>(
  build: () => (event: Event, context: Context) => Promise<Result>,
): (event: Event, context: Context) => Promise<Result> {
  let handle: ((event: Event, context: Context) => Promise<Result>) | undefined;
  // async: a failure to build the dependencies rejects like any other failure of the invocation.
  return async (event, context) => {
    handle ??= build();
    return handle(event, context);
  };
}
