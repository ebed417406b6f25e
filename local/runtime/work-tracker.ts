/**
 * Counts the runtime's work in flight, so callers can wait until it is idle (the only moment a virtual clock may
 * jump) or for the next bit of progress (polling a real clock).
 */
export class WorkTracker {
  private busy = 0;
  private idleWaiters: (() => void)[] = [];
  private progressWaiters: (() => void)[] = [];

  constructor(
    private readonly hasQueuedWork: () => boolean,
    private readonly onError: (error: unknown) => void,
  ) {}

  get inFlight(): number {
    return this.busy;
  }

  track(work: Promise<unknown>): void {
    this.busy += 1;
    work
      .catch(this.onError)
      .finally(() => {
        this.busy -= 1;
        this.notifyProgress();
        this.checkIdle();
      })
      .catch(this.onError);
  }

  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.checkIdle();
    });
  }

  notifyProgress(): void {
    const waiters = this.progressWaiters;
    this.progressWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Resolves at the next progress or after `maxWaitMs`, whichever comes first. */
  nextProgress(maxWaitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, maxWaitMs);
      this.progressWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0) return;
    // A macrotask later, so that work started by the last continuation is counted too.
    setImmediate(() => {
      if (this.busy > 0 || this.hasQueuedWork()) return;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    });
  }
}
