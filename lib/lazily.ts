/**
 * A value made on first use and shared after; a failed attempt is forgotten, so the next use tries again. The app's
 * Azure and Kubernetes SDKs are loaded this way (`import()` on first use): importing them all took most of the
 * worker's cold start (bench/coldstart.bench.ts), and a run touches only the clients it needs.
 */
export function lazily<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    if (!made) {
      made = make();
      made.catch(() => (made = undefined));
    }
    return made;
  };
}
