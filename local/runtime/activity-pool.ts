/** Runs activities in arrival order, at most `concurrency` at a time. */
import type { WorkTracker } from "./work-tracker.js";

export class ActivityPool<Work> {
  private readonly queue: Work[] = [];
  private running = 0;
  private open = true;

  constructor(
    private readonly concurrency: number,
    private readonly execute: (work: Work) => Promise<void>,
    private readonly tracker: WorkTracker,
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  enqueue(work: Work): void {
    this.queue.push(work);
    this.pump();
  }

  /** Starts nothing more; queued work is dropped (its TaskScheduled events keep it in the store). */
  stop(): void {
    this.open = false;
    this.queue.length = 0;
  }

  private pump(): void {
    while (this.open && this.running < this.concurrency) {
      const work = this.queue.shift();
      if (work === undefined) return;
      this.running += 1;
      this.tracker.track(
        this.execute(work).finally(() => {
          this.running -= 1;
          this.pump();
        }),
      );
    }
  }
}
