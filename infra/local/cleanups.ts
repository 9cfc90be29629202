/**
 * What to undo when the local cloud stops (or fails to start), in reverse order of set-up:
 * pollers before the functions they invoke, functions before the emulators they call.
 */
export class Cleanups {
  readonly #steps: (() => unknown)[] = [];

  add(step: () => unknown): void {
    this.#steps.push(step);
  }

  /** Runs every step, newest first, once; one step's failure does not keep the others from running. */
  async run(): Promise<void> {
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await step();
      } catch {
        // keep stopping the rest
      }
    }
  }
}
