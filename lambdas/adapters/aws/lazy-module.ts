/**
 * Defers loading a module until first use: an SDK client costs up to ~0.8 s of CLI start-up, which
 * every `bulkhead` command would pay even when it never calls that service. Pass a static
 * `() => require('<pkg>')` so bundlers still see and inline the module.
 */
export function lazyModule<T>(load: () => unknown): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= load() as T;
    return loaded;
  };
}
