// One widget's data: loading, error and the last answer, with the previous request
// aborted when a new one starts. Widgets each own one, so none waits for another.
export class Resource<T> {
  data = $state<T | undefined>(undefined);
  error = $state<unknown>(undefined);
  loading = $state(false);
  #controller: AbortController | undefined;
  #generation = 0;

  /** Starts a load; the previous answer stays visible (dimmed) until the new one arrives. */
  run(load: (signal: AbortSignal) => Promise<T>, options: { keepData?: boolean } = {}): Promise<void> {
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    const generation = ++this.#generation;
    this.loading = true;
    this.error = undefined;
    if (options.keepData === false) this.data = undefined;
    return load(controller.signal).then(
      (data) => {
        if (generation !== this.#generation) return;
        this.data = data;
        this.loading = false;
      },
      (error: unknown) => {
        if (generation !== this.#generation || controller.signal.aborted) return;
        this.error = error;
        this.loading = false;
      },
    );
  }

  abort(): void {
    this.#controller?.abort();
    this.#generation++;
    this.loading = false;
  }
}
